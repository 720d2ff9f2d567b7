using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Appliance.Config;

/// <summary>
/// Binds a YAML node tree onto the config records by reflection, collecting every error with its
/// position instead of stopping at the first. Strict: unknown keys, wrong types and missing
/// required fields are all errors.
/// </summary>
internal sealed partial class YamlBinder(ConfigLocations locations)
{
    private static readonly NullabilityInfoContext Nullability = new();
    private readonly List<ConfigError> _errors = [];

    public IReadOnlyList<ConfigError> Errors => _errors;

    public object? Bind(Type type, YamlNode node, string path, PropertyInfo? property = null)
    {
        locations.Record(path, (int)node.Start.Line, (int)node.Start.Column);
        var target = Nullable.GetUnderlyingType(type) ?? type;

        if (IsNull(node))
        {
            // A key with no value is as good as an absent key only for optional fields.
            if (type != target || property is null || !IsNonNullable(property)) return null;
            Error(node, path, $"has no value (expected {Expected(target, property)})");
            return null;
        }

        if (target.IsGenericType && target.GetGenericTypeDefinition() == typeof(IReadOnlyList<>))
            return BindList(target.GetGenericArguments()[0], node, path, property);
        if (target == typeof(IReadOnlyDictionary<string, string>))
            return BindMap(node, path);
        if (IsRecord(target))
            return BindRecord(target, node, path);
        return BindScalar(target, node, path, property);
    }

    private object? BindRecord(Type type, YamlNode node, string path)
    {
        if (node is not YamlMappingNode mapping)
        {
            Error(node, path, $"is {Describe(node)} (expected a mapping of {string.Join(", ", Keys(type).Take(4))}, …)");
            return null;
        }

        var instance = Activator.CreateInstance(type)!;
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .ToDictionary(p => ConfigNames.Key(p.Name), StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);

        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            var keyPath = Join(path, key);
            if (!properties.TryGetValue(key, out var property))
            {
                var hint = ConfigNames.Closest(key, properties.Keys) is { } near ? $"; did you mean '{near}'?" : "";
                Error(keyNode, keyPath, $"unknown key (expected one of {string.Join(", ", properties.Keys)}{hint})");
                continue;
            }
            seen.Add(key);
            var value = Bind(property.PropertyType, valueNode, keyPath, property);
            if (value is not null) property.SetValue(instance, value);
        }

        foreach (var (key, property) in properties)
        {
            if (seen.Contains(key) || !property.IsDefined(typeof(System.Runtime.CompilerServices.RequiredMemberAttribute))) continue;
            var doc = property.GetCustomAttribute<DocAttribute>() is { } d ? $": {d.Text}" : "";
            Error(node, Join(path, key), $"is missing (expected {Expected(property.PropertyType, property)}{doc})");
        }
        return instance;
    }

    private object? BindList(Type element, YamlNode node, string path, PropertyInfo? property)
    {
        if (node is not YamlSequenceNode sequence)
        {
            Error(node, path, $"is {Describe(node)} (expected a list of {Expected(element, null)})");
            return null;
        }
        var items = new List<object?>();
        var index = 0;
        foreach (var child in sequence.Children)
        {
            var itemPath = $"{path}[{index++}]";
            var item = Bind(element, child, itemPath);
            if (item is null && IsNull(child)) Error(child, itemPath, $"is empty (expected {Expected(element, null)})");
            items.Add(item);
        }
        var min = property?.GetCustomAttribute<MinCountAttribute>()?.Count ?? 0;
        if (items.Count < min)
            Error(node, path, $"has {items.Count} item{(items.Count == 1 ? "" : "s")} (expected at least {min})");

        var list = (System.Collections.IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!;
        foreach (var item in items.Where(i => i is not null)) list.Add(item);
        return list;
    }

    private Dictionary<string, string>? BindMap(YamlNode node, string path)
    {
        if (node is not YamlMappingNode mapping)
        {
            Error(node, path, $"is {Describe(node)} (expected a mapping of text to text)");
            return null;
        }
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            var keyPath = Join(path, key);
            locations.Record(keyPath, (int)valueNode.Start.Line, (int)valueNode.Start.Column);
            if (valueNode is YamlScalarNode { Value: { Length: > 0 } value }) map[key] = value;
            else Error(valueNode, keyPath, $"is {Describe(valueNode)} (expected text)");
        }
        return map;
    }

    private object? BindScalar(Type type, YamlNode node, string path, PropertyInfo? property)
    {
        if (node is not YamlScalarNode { Value: { } text } scalar)
        {
            Error(node, path, $"is {Describe(node)} (expected {Expected(type, property)})");
            return null;
        }
        var quoted = scalar.Style is YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted;
        var value = Parse(type, text, quoted, property);
        if (value is null) Error(node, path, $"'{Shorten(text)}' is not valid (expected {Expected(type, property)})");
        return value;
    }

    private static object? Parse(Type type, string text, bool quoted, PropertyInfo? property)
    {
        if (type == typeof(string))
        {
            if (text.Length == 0) return null;
            if (property?.IsDefined(typeof(IdentifierAttribute)) == true && !IdentifierPattern().IsMatch(text)) return null;
            if (property?.IsDefined(typeof(HostNameAttribute)) == true && !HostNamePattern().IsMatch(text)) return null;
            return text;
        }
        if (quoted && type != typeof(TimeOnly) && !typeof(IConfigScalar<>).IsAssignableFromGeneric(type) && type != typeof(Uri)
            && type != typeof(IPNetwork) && type != typeof(IPAddress))
            return null; // "8443" in quotes is text, not a number: say so rather than guess.
        if (type == typeof(bool)) return text switch { "true" => true, "false" => false, _ => null };
        if (type == typeof(int))
        {
            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)) return null;
            return InRange(n, property) ? n : null;
        }
        if (type == typeof(double))
        {
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d)) return null;
            return InRange(d, property) ? d : null;
        }
        if (type.IsEnum)
            return Enum.GetValues(type).Cast<Enum>().FirstOrDefault(v => ConfigNames.EnumValue(v) == text);
        if (type == typeof(IPAddress))
            return LooksLikeAddress(text) && IPAddress.TryParse(text, out var address) ? address : null;
        if (type == typeof(IPNetwork))
        {
            if (!text.Contains('/') && LooksLikeAddress(text) && IPAddress.TryParse(text, out var host))
                return new IPNetwork(host, host.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
            // IPNetwork.TryParse quietly masks host bits; 10.1.0.5/16 is more likely a typo than a subnet.
            var slash = text.IndexOf('/');
            return slash > 0 && LooksLikeAddress(text[..slash]) && IPNetwork.TryParse(text, out var net)
                && net.BaseAddress.ToString() == text[..slash] ? net : null;
        }
        if (type == typeof(Uri))
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Host.Length == 0) return null;
            return SchemesFor(property).Contains(uri.Scheme) ? uri : null;
        }
        if (type == typeof(TimeOnly))
            return TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) ? t : null;
        if (typeof(IConfigScalar<>).IsAssignableFromGeneric(type))
            return typeof(YamlBinder).GetMethod(nameof(ParseConfigScalar), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(type).Invoke(null, [text]);
        throw new NotSupportedException($"config field type {type.Name} has no YAML binding");
    }

    private static object? ParseConfigScalar<T>(string text) where T : IConfigScalar<T> =>
        T.TryParse(text, out var value) ? value : null;

    /// <summary>What a valid value of a field looks like, in words.</summary>
    public static string Expected(Type type, PropertyInfo? property)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        var range = property?.GetCustomAttribute<RangeAttribute>();
        if (type == typeof(string))
        {
            if (property?.IsDefined(typeof(IdentifierAttribute)) == true) return "an id of lower-case letters, digits, '-' or '_', starting with a letter";
            if (property?.IsDefined(typeof(HostNameAttribute)) == true) return "a host name such as ai-box.office.lan";
            return "text";
        }
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(int)) return range is null ? "a whole number" : $"a whole number from {range.Min} to {range.Max}";
        if (type == typeof(double)) return range is null ? "a number" : $"a number from {range.Min.ToString(CultureInfo.InvariantCulture)} to {range.Max.ToString(CultureInfo.InvariantCulture)}";
        if (type.IsEnum) return "one of " + string.Join(", ", ConfigNames.EnumValues(type));
        if (type == typeof(IPAddress)) return "an IP address such as 192.168.10.1";
        if (type == typeof(IPNetwork)) return "a subnet in CIDR form such as 192.168.10.0/24 (host bits zero), or one address";
        if (type == typeof(Uri)) return $"an absolute {string.Join(" or ", SchemesFor(property).Select(s => s + "://"))} URL";
        if (type == typeof(TimeOnly)) return "a time of day as HH:mm, such as 02:30";
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>))
            return "a list of " + Expected(type.GetGenericArguments()[0], null);
        if (type == typeof(IReadOnlyDictionary<string, string>)) return "a mapping of text to text";
        if (IsRecord(type)) return "a mapping with " + string.Join(", ", Keys(type).Take(4)) + ", …";
        var expected = type.GetProperty("Expected", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as string;
        return expected ?? type.Name;
    }

    private static string[] SchemesFor(PropertyInfo? property) =>
        property?.DeclaringType == typeof(LdapSettings) ? ["ldap", "ldaps"] :
        property?.DeclaringType == typeof(ModelSpec) ? ["https"] : ["https", "http"];

    private static bool InRange(double value, PropertyInfo? property) =>
        property?.GetCustomAttribute<RangeAttribute>() is not { } r || (value >= r.Min && value <= r.Max);

    private static bool LooksLikeAddress(string text) =>
        text.Contains(':') || (text.Count(c => c == '.') == 3 && text.All(c => char.IsAsciiDigit(c) || c == '.'));

    private static bool IsRecord(Type type) =>
        type.IsClass && type.Namespace == typeof(ApplianceConfig).Namespace && type.GetMethod("<Clone>$") is not null;

    private static IEnumerable<string> Keys(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => ConfigNames.Key(p.Name));

    private static bool IsNonNullable(PropertyInfo property) =>
        property.PropertyType.IsValueType
            ? Nullable.GetUnderlyingType(property.PropertyType) is null
            : Nullability.Create(property).WriteState == NullabilityState.NotNull;

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: null or "" or "~" or "null" };

    private static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode s => $"'{Shorten(s.Value ?? "")}'",
        _ => "something else",
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private void Error(YamlNode node, string path, string message) =>
        _errors.Add(new ConfigError(locations.File, (int)node.Start.Line, (int)node.Start.Column, path, message));

    [GeneratedRegex("^[a-z][a-z0-9_-]{0,62}$")]
    private static partial Regex IdentifierPattern();

    [GeneratedRegex(@"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")]
    private static partial Regex HostNamePattern();
}

internal static class TypeExtensions
{
    public static bool IsAssignableFromGeneric(this Type generic, Type type) =>
        type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == generic);
}
