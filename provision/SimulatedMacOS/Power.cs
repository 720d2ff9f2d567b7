namespace Appliance.SimulatedMacOS;

/// <summary>pmset -a key value … and pmset -g custom.</summary>
public sealed class Power(SimulatedMac mac)
{
    public int Pmset(string[] args)
    {
        if (args is ["-g", "custom"] or ["-g"])
        {
            mac.Out.WriteLine("AC Power:");
            foreach (var (key, value) in mac.State.Pmset.OrderBy(p => p.Key, StringComparer.Ordinal))
                mac.Out.WriteLine($" {key,-20} {value}");
            return 0;
        }
        if (args.Length >= 3 && args[0] is "-a" or "-c" && args.Length % 2 == 1)
        {
            for (var i = 1; i < args.Length; i += 2)
            {
                if (!mac.State.Pmset.ContainsKey(args[i])) return mac.Fail(1, $"Usage: pmset <options>\nunknown setting {args[i]}");
                if (!int.TryParse(args[i + 1], out _)) return mac.Fail(1, $"pmset: bad value {args[i + 1]} for {args[i]}");
                mac.State.Pmset[args[i]] = args[i + 1];
            }
            return 0;
        }
        return mac.Fail(1, "Usage: pmset [-a|-c] setting value … | pmset -g custom");
    }
}
