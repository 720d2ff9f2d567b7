using System.Text.RegularExpressions;

namespace Appliance.SimulatedMacOS;

/// <summary>
/// pfctl with macOS's reference-counted enable: `-E` takes a token, `-X` releases one, `-d` drops
/// everyone's. Loading rules never enables pf. The ALTQ notice goes to stderr on every call.
/// </summary>
public sealed partial class PacketFilter(SimulatedMac mac)
{
    private static readonly string[] RuleKeywords =
        ["pass", "block", "anchor", "load", "set", "scrub", "scrub-anchor", "table", "nat-anchor", "rdr-anchor", "dummynet-anchor", "match", "antispoof"];

    public int Pfctl(string[] args)
    {
        mac.Err.WriteLine("No ALTQ support in kernel");
        mac.Err.WriteLine("ALTQ related functions disabled");
        string? anchor = null, file = null, show = null, flush = null, release = null;
        bool enable = false, legacyEnable = false, disable = false, dryRun = false;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith('-') || arg.Length < 2) return mac.Fail(64, $"pfctl: unexpected argument {arg}");
            for (var j = 1; j < arg.Length; j++)
            {
                var flag = arg[j];
                string Value()
                {
                    var rest = arg[(j + 1)..];
                    j = arg.Length;
                    if (rest.Length > 0) return rest;
                    if (++i >= args.Length) throw new ArgumentException($"pfctl: option -{flag} needs a value");
                    return args[i];
                }
                try
                {
                    switch (flag)
                    {
                        case 'E': enable = true; break;
                        case 'e': legacyEnable = true; break;
                        case 'd': disable = true; break;
                        case 'n': dryRun = true; break;
                        case 'v': break;
                        case 'q': break;
                        case 'a': anchor = Value(); break;
                        case 'f': file = Value(); break;
                        case 's': show = Value(); break;
                        case 'F': flush = Value(); break;
                        case 'X': release = Value(); break;
                        default: return mac.Fail(64, $"pfctl: unknown option -{flag}");
                    }
                }
                catch (ArgumentException e)
                {
                    return mac.Fail(64, e.Message);
                }
            }
        }

        var pf = mac.State.Pf;
        if (file is not null)
        {
            var loaded = Load(file, anchor, dryRun);
            if (loaded != 0) return loaded;
        }
        if (flush is not null && !dryRun)
        {
            if (flush == "states") { mac.Err.WriteLine($"{pf.States} states cleared"); pf.States = 0; }
            else if (flush is "rules" or "all") { pf.Anchors.Remove(anchor ?? ""); mac.Err.WriteLine("rules cleared"); }
        }
        if (disable)
        {
            pf.Enabled = false;
            pf.Tokens.Clear();
            mac.Err.WriteLine("pf disabled");
        }
        if (enable || legacyEnable)
        {
            var wasEnabled = pf.Enabled;
            pf.Enabled = true;
            if (enable)
            {
                var token = pf.NextToken++;
                pf.Tokens.Add(new PfToken(token, "pfctl", DateTimeOffset.UtcNow));
                mac.Err.WriteLine(wasEnabled ? "pf already enabled" : "pf enabled");
                mac.Out.WriteLine($"Token : {token}");
            }
            else mac.Err.WriteLine(wasEnabled ? "pfctl: pf already enabled" : "pf enabled");
        }
        if (release is not null)
        {
            var removed = pf.Tokens.RemoveAll(t => t.Token.ToString() == release);
            if (removed == 0) return mac.Fail(1, $"pfctl: could not release token {release}");
            if (pf.Tokens.Count == 0) { pf.Enabled = false; mac.Err.WriteLine("pf disabled"); }
        }
        return show is null ? 0 : Show(show, anchor);
    }

    private int Show(string what, string? anchor)
    {
        var pf = mac.State.Pf;
        switch (what)
        {
            case "info":
                mac.Out.WriteLine($"Status: {(pf.Enabled ? "Enabled" : "Disabled")} for 0 days 00:00:00           Debug: Urgent");
                mac.Out.WriteLine();
                mac.Out.WriteLine("State Table                          Total             Rate");
                mac.Out.WriteLine($"  current entries                    {pf.States,5}");
                return 0;
            case "r" or "rules":
                foreach (var rule in pf.Anchors.GetValueOrDefault(anchor ?? "") ?? []) mac.Out.WriteLine(rule);
                return 0;
            case "References":
                mac.Out.WriteLine("TOKENS:");
                mac.Out.WriteLine("PID      Process Name                TOKEN                     TIMESTAMP");
                foreach (var t in pf.Tokens) mac.Out.WriteLine($"0        {t.Process,-27} {t.Token,-25} {t.Since:u}");
                return 0;
            default:
                return mac.Fail(64, $"pfctl: unknown show modifier '{what}'");
        }
    }

    /// <summary>Parses a ruleset; without -n loads it (the main file's `load anchor` lines load their anchors).</summary>
    private int Load(string file, string? anchor, bool dryRun)
    {
        if (!File.Exists(mac.HostPath(file))) return mac.Fail(1, $"pfctl: {file}: No such file or directory");
        var parsed = Parse(file, File.ReadAllLines(mac.HostPath(file)));
        if (parsed.Error is not null) return mac.Fail(1, parsed.Error);
        var loads = new Dictionary<string, List<string>> { [anchor ?? ""] = parsed.Rules };
        if (anchor is null)
        {
            foreach (var (name, from) in parsed.AnchorLoads)
            {
                if (!File.Exists(mac.HostPath(from))) return mac.Fail(1, $"pfctl: {from}: No such file or directory\n{file}: cannot load anchor {name}");
                var sub = Parse(from, File.ReadAllLines(mac.HostPath(from)));
                if (sub.Error is not null) return mac.Fail(1, sub.Error);
                loads[name] = sub.Rules;
            }
        }
        if (dryRun) return 0;
        foreach (var (name, rules) in loads) mac.State.Pf.Anchors[name] = rules;
        return 0;
    }

    private sealed record Ruleset(List<string> Rules, List<(string Name, string From)> AnchorLoads, string? Error);

    private static Ruleset Parse(string file, string[] lines)
    {
        var rules = new List<string>();
        var loads = new List<(string, string)>();
        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n];
            var hash = line.IndexOf('#');
            if (hash >= 0) line = line[..hash];
            line = Spaces().Replace(line.Trim(), " ");
            if (line.Length == 0) continue;
            var keyword = line.Split(' ')[0];
            if (!RuleKeywords.Contains(keyword) || line.Count(c => c == '{') != line.Count(c => c == '}'))
                return new Ruleset(rules, loads, $"{file}:{n + 1}: syntax error");
            var load = LoadAnchor().Match(line);
            if (load.Success) loads.Add((load.Groups[1].Value, load.Groups[2].Value));
            else rules.Add(line);
        }
        return new Ruleset(rules, loads, null);
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    [GeneratedRegex("^load anchor \"([^\"]+)\" from \"([^\"]+)\"$")]
    private static partial Regex LoadAnchor();
}
