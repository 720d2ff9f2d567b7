using System.Xml;
using System.Xml.Linq;

namespace Appliance.SimulatedMacOS;

/// <summary>plutil -lint over XML property lists, with the strictness launchd needs.</summary>
public sealed class PropertyLists(SimulatedMac mac)
{
    public int Plutil(string[] args)
    {
        if (args.Length < 2 || args[0] != "-lint") return mac.Fail(64, "usage: plutil -lint FILE…");
        var exit = 0;
        foreach (var path in args[1..])
        {
            if (!File.Exists(mac.HostPath(path))) { mac.Err.WriteLine($"{path}: file does not exist or is not readable or is not a regular file"); exit = 1; continue; }
            if (Read(File.ReadAllText(mac.HostPath(path)), out var problem) is null) { mac.Out.WriteLine($"{path}: {problem}"); exit = 1; }
            else mac.Out.WriteLine($"{path}: OK");
        }
        return exit;
    }

    /// <summary>The top-level dictionary, or null with the reason the text is not a valid plist.</summary>
    public static Dictionary<string, object>? Read(string text, out string problem)
    {
        problem = "";
        try
        {
            var document = XDocument.Parse(text, LoadOptions.None);
            var root = document.Root;
            if (root?.Name != "plist") { problem = "root element is not <plist>"; return null; }
            var top = root.Elements().ToList();
            if (top.Count != 1 || top[0].Name != "dict") { problem = "expected one <dict> at the top"; return null; }
            return (Dictionary<string, object>)Value(top[0]);
        }
        catch (Exception e) when (e is XmlException or FormatException or InvalidDataException)
        {
            problem = e.Message;
            return null;
        }
    }

    private static object Value(XElement element) => element.Name.LocalName switch
    {
        "string" => element.Value,
        "integer" => long.Parse(element.Value, System.Globalization.CultureInfo.InvariantCulture),
        "real" => double.Parse(element.Value, System.Globalization.CultureInfo.InvariantCulture),
        "true" => true,
        "false" => false,
        "array" => element.Elements().Select(Value).ToList(),
        "dict" => Dictionary(element),
        var other => throw new InvalidDataException($"unknown plist element <{other}>"),
    };

    private static Dictionary<string, object> Dictionary(XElement dict)
    {
        var result = new Dictionary<string, object>();
        var children = dict.Elements().ToList();
        if (children.Count % 2 != 0) throw new InvalidDataException("<dict> holds a key without a value");
        for (var i = 0; i < children.Count; i += 2)
        {
            if (children[i].Name != "key") throw new InvalidDataException($"expected <key>, found <{children[i].Name}>");
            if (!result.TryAdd(children[i].Value, Value(children[i + 1])))
                throw new InvalidDataException($"duplicate key {children[i].Value}");
        }
        return result;
    }
}
