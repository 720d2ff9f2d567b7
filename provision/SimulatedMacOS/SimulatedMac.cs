namespace Appliance.SimulatedMacOS;

/// <summary>One simulated Mac: a directory standing in for "/" plus its remembered state.</summary>
public sealed class SimulatedMac(string root, MacState state, TextWriter output, TextWriter error)
{
    public const string StateFolder = ".simulated-macos";

    public string Root { get; } = Path.GetFullPath(root);
    public MacState State { get; } = state;
    public TextWriter Out { get; } = output;
    public TextWriter Err { get; } = error;

    public static string StateFile(string root) => Path.Combine(root, StateFolder, "state.json");

    /// <summary>Where a macOS path lives in the sandbox. Relative paths are taken as absolute (commands run from "/").</summary>
    public string HostPath(string macPath)
    {
        var normal = Normalize(macPath);
        return normal == "/" ? Root : Path.Combine(Root, normal.TrimStart('/'));
    }

    public static string Normalize(string macPath)
    {
        var parts = new List<string>();
        foreach (var part in macPath.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".") continue;
            if (part == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); continue; }
            parts.Add(part);
        }
        // macOS: /etc, /var and /tmp are symlinks into /private.
        var path = "/" + string.Join('/', parts);
        foreach (var link in new[] { "/private/etc", "/private/var", "/private/tmp" })
            if (path == link || path.StartsWith(link + "/", StringComparison.Ordinal))
                path = path["/private".Length..];
        return path;
    }

    /// <summary>Paths System Integrity Protection keeps read-only even for root.</summary>
    public bool IsSipProtected(string macPath)
    {
        if (!State.SipEnabled) return false;
        var p = Normalize(macPath);
        if (p.StartsWith("/usr/local", StringComparison.Ordinal)) return false;
        return new[] { "/System", "/usr", "/bin", "/sbin" }.Any(root => p == root || p.StartsWith(root + "/", StringComparison.Ordinal));
    }

    public bool Exists(string macPath) => File.Exists(HostPath(macPath)) || Directory.Exists(HostPath(macPath));
    public bool IsDirectory(string macPath) => Directory.Exists(HostPath(macPath));

    public int Fail(int code, string message)
    {
        Err.WriteLine(message);
        return code;
    }
}
