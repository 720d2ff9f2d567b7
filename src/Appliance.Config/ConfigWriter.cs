using System.Collections;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;

namespace Appliance.Config;

/// <summary>Writes a config back as YAML that <see cref="ConfigLoader"/> reads to an equal config.</summary>
public static class ConfigWriter
{
    public static string Write(ApplianceConfig config)
    {
        var text = new StringBuilder();
        WriteRecord(text, config, 0);
        return text.ToString();
    }

    private static void WriteRecord(StringBuilder text, object record, int indent)
    {
        foreach (var property in record.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var value = property.GetValue(record);
            if (value is null) continue;
            var key = ConfigNames.Key(property.Name);
            text.Append(' ', indent).Append(key).Append(':');
            WriteValue(text, value, indent);
        }
    }

    private static void WriteValue(StringBuilder text, object value, int indent)
    {
        switch (value)
        {
            case IReadOnlyDictionary<string, string> map:
                if (map.Count == 0) { text.Append(" {}\n"); return; }
                text.Append('\n');
                foreach (var (k, v) in map) text.Append(' ', indent + 2).Append(Quote(k)).Append(": ").Append(Quote(v)).Append('\n');
                return;
            case IList list:
                if (list.Count == 0) { text.Append(" []\n"); return; }
                text.Append('\n');
                foreach (var item in list)
                {
                    text.Append(' ', indent + 2).Append('-');
                    if (IsScalar(item!)) text.Append(' ').Append(Scalar(item!)).Append('\n');
                    else
                    {
                        // The first key shares the dash's line; the rest line up under it.
                        var nested = new StringBuilder();
                        WriteRecord(nested, item!, indent + 4);
                        text.Append(' ').Append(nested.ToString().TrimStart());
                    }
                }
                return;
            default:
                if (IsScalar(value)) { text.Append(' ').Append(Scalar(value)).Append('\n'); return; }
                text.Append('\n');
                WriteRecord(text, value, indent + 2);
                return;
        }
    }

    private static bool IsScalar(object value) => value is string or bool or int or double or Enum or IPAddress or IPNetwork
        or Uri or TimeOnly || value.GetType().GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IConfigScalar<>));

    private static string Scalar(object value) => value switch
    {
        string s => Quote(s),
        bool b => b ? "true" : "false",
        int i => i.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture) is var r && (r.Contains('.') || r.Contains('E')) ? r : r + ".0",
        Enum e => ConfigNames.EnumValue(e),
        IPAddress a => a.ToString(),
        IPNetwork n => n.ToString(),
        Uri u => Quote(u.OriginalString),
        TimeOnly t => Quote(t.ToString("HH:mm", CultureInfo.InvariantCulture)),
        _ => Quote((string)value.GetType().GetMethod("ToConfigString")!.Invoke(value, null)!),
    };

    /// <summary>Double-quoted YAML, with JSON-compatible escapes, so any text survives.</summary>
    private static string Quote(string text)
    {
        var quoted = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': quoted.Append("\\\""); break;
                case '\\': quoted.Append("\\\\"); break;
                case '\n': quoted.Append("\\n"); break;
                case '\r': quoted.Append("\\r"); break;
                case '\t': quoted.Append("\\t"); break;
                default:
                    if (char.IsControl(c)) quoted.Append($"\\u{(int)c:x4}");
                    else quoted.Append(c);
                    break;
            }
        }
        return quoted.Append('"').ToString();
    }
}
