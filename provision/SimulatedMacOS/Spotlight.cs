namespace Appliance.SimulatedMacOS;

/// <summary>mdutil -s VOLUME, mdutil -i on|off VOLUME, mdutil -a -i off.</summary>
public sealed class Spotlight(SimulatedMac mac)
{
    public int Mdutil(string[] args)
    {
        if (args is ["-s", var volume])
        {
            if (!mac.State.SpotlightIndexing.TryGetValue(volume, out var on)) return mac.Fail(1, $"{volume}:\n\tError: unknown indexing state.");
            mac.Out.WriteLine($"{volume}:");
            mac.Out.WriteLine(on ? "\tIndexing enabled." : "\tIndexing disabled.");
            return 0;
        }
        if (args is ["-i", "on" or "off", _] or ["-a", "-i", "on" or "off"])
        {
            var on = args.Contains("on");
            var volumes = args[0] == "-a" ? mac.State.SpotlightIndexing.Keys.ToList() : [args[2]];
            foreach (var each in volumes)
            {
                if (!mac.State.SpotlightIndexing.ContainsKey(each)) return mac.Fail(1, $"{each}:\n\tError: invalid operation.");
                mac.State.SpotlightIndexing[each] = on;
                mac.Out.WriteLine($"{each}:\n\tIndexing {(on ? "enabled" : "disabled")}.");
            }
            return 0;
        }
        return mac.Fail(64, "Usage: mdutil -s volume | mdutil -i on|off volume | mdutil -a -i on|off");
    }
}
