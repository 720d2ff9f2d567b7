namespace Appliance.SimulatedMacOS;

/// <summary>sysctl: read any known name; write only the ones macOS lets root write at run time.</summary>
public sealed class Kernel(SimulatedMac mac)
{
    private static readonly HashSet<string> Writable = ["iogpu.wired_limit_mb"];

    public int Sysctl(string[] args)
    {
        var valuesOnly = false;
        var names = new List<string>();
        foreach (var arg in args)
        {
            if (arg == "-n") valuesOnly = true;
            else if (arg == "-w") continue;
            else if (arg.StartsWith('-')) return mac.Fail(64, $"sysctl: unknown option {arg}");
            else names.Add(arg);
        }
        if (names.Count == 0) return mac.Fail(64, "usage: sysctl [-n] name[=value] …");
        foreach (var name in names)
        {
            var equals = name.IndexOf('=');
            if (equals > 0)
            {
                var key = name[..equals];
                var value = name[(equals + 1)..];
                if (!mac.State.Sysctl.ContainsKey(key)) return mac.Fail(1, $"sysctl: unknown oid '{key}'");
                if (!Writable.Contains(key)) return mac.Fail(1, $"sysctl: oid '{key}' is read only");
                if (!int.TryParse(value, out _)) return mac.Fail(1, $"sysctl: invalid integer '{value}'");
                var old = mac.State.Sysctl[key];
                mac.State.Sysctl[key] = value;
                mac.Out.WriteLine($"{key}: {old} -> {value}");
                continue;
            }
            if (!mac.State.Sysctl.TryGetValue(name, out var current)) return mac.Fail(1, $"sysctl: unknown oid '{name}'");
            mac.Out.WriteLine(valuesOnly ? current : $"{name}: {current}");
        }
        return 0;
    }
}
