namespace Appliance.SimulatedMacOS;

/// <summary>`sshd -G`: the effective configuration, where the first value read for a keyword wins.</summary>
public sealed class SshDaemon(SimulatedMac mac)
{
    private static readonly (string Key, string Value)[] Defaults =
    [
        ("passwordauthentication", "yes"), ("kbdinteractiveauthentication", "yes"), ("permitrootlogin", "prohibit-password"),
        ("pubkeyauthentication", "yes"), ("port", "22"), ("usepam", "no"),
    ];

    public int Sshd(string[] args)
    {
        if (args is not ["-G"]) return mac.Fail(64, "simulated macOS: only `sshd -G` is simulated");
        var effective = new Dictionary<string, string>();
        if (!Read("/etc/ssh/sshd_config", effective, out var error)) return mac.Fail(255, error);
        foreach (var (key, value) in Defaults) effective.TryAdd(key, value);
        foreach (var (key, value) in effective.OrderBy(e => e.Key, StringComparer.Ordinal)) mac.Out.WriteLine($"{key} {value}");
        return 0;
    }

    private bool Read(string macPath, Dictionary<string, string> effective, out string error)
    {
        error = "";
        var path = mac.HostPath(macPath);
        if (!File.Exists(path)) { error = $"{macPath}: No such file or directory"; return false; }
        var lines = File.ReadAllLines(path);
        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var parts = line.Split((char[])[' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2) { error = $"{macPath} line {n + 1}: missing argument."; return false; }
            var key = parts[0].ToLowerInvariant();
            if (key == "include")
            {
                var pattern = parts[1].Trim();
                var folder = Path.GetDirectoryName(pattern)!;
                var glob = Path.GetFileName(pattern);
                var host = mac.HostPath(folder);
                if (!Directory.Exists(host)) continue;
                foreach (var file in Directory.GetFiles(host, glob).Select(Path.GetFileName).Order(StringComparer.Ordinal))
                    if (!Read(folder + "/" + file, effective, out error)) return false;
                continue;
            }
            effective.TryAdd(key, parts[1].Trim().ToLowerInvariant());
        }
        return true;
    }
}
