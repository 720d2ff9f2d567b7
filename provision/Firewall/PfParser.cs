using System.Net;

namespace Appliance.Provision.Firewall;

/// <summary>
/// Parses the subset of pf.conf filter syntax the appliance's templates produce (and pfctl -sr
/// prints back): pass/block [drop|return] [in|out] [log] [quick] [on IF] [inet|inet6]
/// [proto P|{…}] all | from A [port P] to B [port P], with { lists }, `port = N`, and trailing
/// state options. Anything else is an error with its line number, never silently skipped.
/// </summary>
public static class PfParser
{
    private static readonly HashSet<string> Ignored = ["anchor", "load", "set", "scrub", "scrub-anchor", "nat-anchor", "rdr-anchor", "dummynet-anchor", "table"];

    public static IReadOnlyList<PfRule> Parse(string text)
    {
        var rules = new List<PfRule>();
        var lines = text.Split('\n');
        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n];
            var hash = line.IndexOf('#');
            if (hash >= 0) line = line[..hash];
            var words = Tokens(line);
            if (words.Count == 0 || Ignored.Contains(words[0])) continue;
            try
            {
                rules.AddRange(ParseRule(words));
            }
            catch (FormatException e)
            {
                throw new FormatException($"pf line {n + 1}: {e.Message}: {lines[n].Trim()}");
            }
        }
        return rules;
    }

    private static List<string> Tokens(string line) =>
        [.. line.Replace("{", " { ").Replace("}", " } ").Replace(",", " ").Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries)];

    private static IEnumerable<PfRule> ParseRule(List<string> w)
    {
        var i = 0;
        string Next() => i < w.Count ? w[i] : "";
        PfAction action = Next() switch
        {
            "pass" => PfAction.Pass,
            "block" => PfAction.Block,
            var other => throw new FormatException($"unsupported rule keyword '{other}'"),
        };
        i++;
        if (Next() is "drop" or "return") i++;
        var direction = PfDirection.Any;
        if (Next() == "in") { direction = PfDirection.In; i++; }
        else if (Next() == "out") { direction = PfDirection.Out; i++; }
        if (Next() == "log") i++;
        var quick = false;
        if (Next() == "quick") { quick = true; i++; }
        string? iface = null;
        if (Next() == "on") { i++; iface = w[i++]; }
        var family = PfFamily.Any;
        if (Next() == "inet") { family = PfFamily.Inet; i++; }
        else if (Next() == "inet6") { family = PfFamily.Inet6; i++; }
        List<string?> protocols = [null];
        if (Next() == "proto") { i++; protocols = [.. List(w, ref i)]; }

        List<PfAddress> from = [PfAddress.Any], to = [PfAddress.Any];
        List<int?> fromPorts = [null], toPorts = [null];
        if (Next() == "all") i++;
        else
        {
            if (Next() != "from") throw new FormatException("expected 'all' or 'from'");
            i++;
            from = [.. List(w, ref i).Select(Address)];
            if (Next() == "port") { i++; fromPorts = Ports(w, ref i); }
            if (Next() != "to") throw new FormatException("expected 'to'");
            i++;
            to = [.. List(w, ref i).Select(Address)];
            if (Next() == "port") { i++; toPorts = Ports(w, ref i); }
        }
        // State options (keep state, flags S/SA) do not change which first packets match.
        while (i < w.Count)
        {
            if (w[i] is "keep" or "modulate" or "synproxy" or "no" && i + 1 < w.Count && w[i + 1] == "state") i += 2;
            else if (w[i] == "flags" && i + 1 < w.Count) i += 2;
            else throw new FormatException($"unsupported option '{w[i]}'");
        }

        foreach (var p in protocols)
            foreach (var f in from)
                foreach (var fp in fromPorts)
                    foreach (var t in to)
                        foreach (var tp in toPorts)
                            yield return new PfRule(action, direction, quick, iface, family, p, f, fp, t, tp);
    }

    private static List<string> List(List<string> w, ref int i)
    {
        if (i >= w.Count) throw new FormatException("unexpected end of rule");
        if (w[i] != "{") return [w[i++]];
        i++;
        var items = new List<string>();
        while (i < w.Count && w[i] != "}") items.Add(w[i++]);
        if (i >= w.Count) throw new FormatException("unclosed {");
        i++;
        return items;
    }

    private static List<int?> Ports(List<string> w, ref int i)
    {
        if (i < w.Count && w[i] == "=") i++;
        return [.. List(w, ref i).Select(p => int.TryParse(p, out var n) && n is > 0 and < 65536 ? (int?)n : throw new FormatException($"bad port '{p}'"))];
    }

    private static PfAddress Address(string text)
    {
        if (text == "any") return PfAddress.Any;
        if (IPNetwork.TryParse(text, out var network)) return new PfAddress(network);
        if (IPAddress.TryParse(text, out var host))
            return new PfAddress(new IPNetwork(host, host.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
        throw new FormatException($"unsupported address '{text}'");
    }
}
