using System.Collections.Concurrent;
using System.Security.Cryptography;
using Appliance.Exec;
using Appliance.Provision.Targets;

namespace Appliance.Provision.Resources;

/// <summary>Owner, group and mode of a path as the box reports them.</summary>
public sealed record PathStatus(string Owner, string Group, int Mode, bool IsDirectory)
{
    public override string ToString() => $"{Owner}:{Group} {Convert.ToString(Mode, 8)}";
}

/// <summary>
/// Read-only access to the live box during one plan or verify: each read-back command runs once
/// and is shared by every control that needs it; ownership of all files comes from one `stat`.
/// </summary>
public sealed class LiveBox(ITarget target, IReadOnlySet<string> ownedPaths)
{
    private readonly ConcurrentDictionary<Command, Lazy<Task<CommandResult>>> commands = new();

    // A few read-backs at once: enough to overlap process start-up and round trips, few enough for
    // sshd's MaxSessions (10) on one multiplexed connection.
    private readonly SemaphoreSlim parallel = new(4);
    private readonly ConcurrentDictionary<string, PathStatus?> statuses = new(StringComparer.Ordinal);

    public ITarget Target => target;

    /// <summary>Paths the tool owns (from its record): files there may be replaced.</summary>
    public bool Owns(string path) => ownedPaths.Contains(path);

    public Task<CommandResult> RunAsync(Command command, CancellationToken cancellationToken) =>
        commands.GetOrAdd(command, c => new Lazy<Task<CommandResult>>(() => RunLimitedAsync(c, cancellationToken))).Value;

    private async Task<CommandResult> RunLimitedAsync(Command command, CancellationToken cancellationToken)
    {
        await parallel.WaitAsync(cancellationToken);
        try { return await target.RunAsync(command, cancellationToken); }
        finally { parallel.Release(); }
    }

    public async Task PrefetchStatusAsync(IEnumerable<string> paths, CancellationToken cancellationToken)
    {
        var wanted = paths.Distinct().Where(p => !statuses.ContainsKey(p)).ToList();
        if (wanted.Count == 0) return;
        foreach (var p in wanted) statuses[p] = null;
        var result = await RunLimitedAsync(Command.Of(MacTools.Stat, ["-f", "%N|%Su|%Sg|%Lp|%HT", .. wanted]), cancellationToken);
        foreach (var line in result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split('|');
            if (parts.Length != 5 || !statuses.ContainsKey(parts[0])) continue;
            statuses[parts[0]] = new PathStatus(parts[1], parts[2], Convert.ToInt32(parts[3], 8), parts[4] == "Directory");
        }
    }

    public async Task<PathStatus?> StatusAsync(string path, CancellationToken cancellationToken)
    {
        if (!statuses.ContainsKey(path)) await PrefetchStatusAsync([path], cancellationToken);
        return statuses.GetValueOrDefault(path);
    }

    public async Task<byte[]?> ReadFileAsync(string path, CancellationToken cancellationToken)
    {
        await parallel.WaitAsync(cancellationToken);
        try { return await target.ReadFileAsync(path, cancellationToken); }
        finally { parallel.Release(); }
    }

    public static string Sha256Of(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
