using System.Reflection;
using System.Text;

namespace Appliance.Config;

/// <summary>How C# names are spelled in appliance.yaml: snake_case keys, kebab-case enum values.</summary>
public static class ConfigNames
{
    public static string Key(string propertyName) => Split(propertyName, '_');

    public static string EnumValue(Enum value)
    {
        var field = value.GetType().GetField(value.ToString());
        return field?.GetCustomAttribute<ConfigNameAttribute>()?.Name ?? Split(value.ToString(), '-');
    }

    public static IEnumerable<string> EnumValues(Type enumType) =>
        Enum.GetValues(enumType).Cast<Enum>().Select(EnumValue);

    private static string Split(string name, char separator)
    {
        var text = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (i > 0 && char.IsUpper(c) && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1])))
                text.Append(separator);
            text.Append(char.ToLowerInvariant(c));
        }
        return text.ToString();
    }

    /// <summary>The candidate closest to a misspelt key, if it is close enough to be a typo.</summary>
    public static string? Closest(string typed, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = Distance(typed, candidate);
            if (distance < bestDistance) (best, bestDistance) = (candidate, distance);
        }
        return bestDistance <= Math.Max(2, typed.Length / 3) ? best : null;
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
