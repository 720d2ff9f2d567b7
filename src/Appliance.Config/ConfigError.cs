namespace Appliance.Config;

/// <summary>One thing wrong with a config file, located precisely enough to fix it.</summary>
public sealed record ConfigError(string File, int Line, int Column, string Path, string Message)
{
    /// <summary>The compiler-style line people read: <c>appliance.yaml:12:5: network.agent_port: …</c>.</summary>
    public override string ToString() =>
        Path.Length == 0 ? $"{File}:{Line}:{Column}: {Message}" : $"{File}:{Line}:{Column}: {Path}: {Message}";
}

/// <summary>Where each field of a loaded config was written (1-based line and column).</summary>
public sealed class ConfigLocations
{
    private readonly Dictionary<string, (int Line, int Column)> _byPath = new(StringComparer.Ordinal);

    public ConfigLocations(string file) => File = file;

    public string File { get; }

    internal void Record(string path, int line, int column) => _byPath[path] = (line, column);

    /// <summary>The position of <paramref name="path"/>, or of its nearest recorded ancestor.</summary>
    public (int Line, int Column) Find(string path)
    {
        for (var p = path; p.Length > 0; p = Parent(p))
            if (_byPath.TryGetValue(p, out var at)) return at;
        return (1, 1);
    }

    /// <summary>Whether the file wrote this field (a rule about a missing field stays quiet when the binder already refused its value).</summary>
    public bool Wrote(string path) => _byPath.ContainsKey(path);

    public ConfigError ErrorAt(string path, string message)
    {
        var (line, column) = Find(path);
        return new ConfigError(File, line, column, path, message);
    }

    private static string Parent(string path)
    {
        var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
        return cut <= 0 ? "" : path[..cut];
    }
}
