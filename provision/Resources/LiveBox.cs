using System.Collections.Concurrent;
using System.Security.Cryptography;
using Appliance.Exec;
using Appliance.Provision.Targets;

namespace Appliance.Provision.Resources;

/// <summary>Owner, group and mode of a path as the box reports them.</summary>
public sealed record PathStatus(string Owner, string Group, UnixFileMode Mode, bool IsDirectory)
{
    public override string ToString() => $"{Owner}:{Group} {Modes.Octal(Mode)}";
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

    private const string StatFormat = "%N|%Su|%Sg|%Lp|%HT";

    /// <summary>
    /// The check of a path's owner, group, mode and type. Plans run it once for all paths: the same
    /// command with every path as an operand, one output line each (see <see cref="PrefetchStatusAsync"/>).
    /// </summary>
    public static Command StatOf(params string[] paths) => Command.Of(MacTools.Stat, ["-f", StatFormat, .. paths]);

    /// <summary>
    /// The check that reads a file's bytes. The target carries it (as root over ssh, byte for byte;
    /// from the sandbox folder) through <see cref="ReadFileAsync"/>, never as a text pipe.
    /// </summary>
    public static Command ReadOf(string path) => Command.Of(MacTools.Cat, path);

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
        var result = await RunLimitedAsync(StatOf([.. wanted]), cancellationToken);
        foreach (var line in result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split('|');
            if (parts.Length != 5 || !statuses.ContainsKey(parts[0])) continue;
            statuses[parts[0]] = new PathStatus(parts[1], parts[2], Modes.FromOctal(parts[3]), parts[4] == "Directory");
        }
    }

    public async Task<PathStatus?> StatusAsync(string path, CancellationToken cancellationToken)
    {
        if (!statuses.ContainsKey(path)) await PrefetchStatusAsync([path], cancellationToken);
        return statuses.GetValueOrDefault(path);
    }

    /// <summary>Runs a <see cref="ReadOf"/> check: the file's bytes, or null when it does not exist.</summary>
    public Task<byte[]?> ReadFileAsync(Command check, CancellationToken cancellationToken) =>
        check.Program == MacTools.Cat && check.Arguments.Length == 1
            ? ReadFileAsync(check.Arguments[0], cancellationToken)
            : throw new ArgumentException($"`{check}` is not a file read (expected {MacTools.Cat} PATH)", nameof(check));

    public async Task<byte[]?> ReadFileAsync(string path, CancellationToken cancellationToken)
    {
        await parallel.WaitAsync(cancellationToken);
        try { return await target.ReadFileAsync(path, cancellationToken); }
        finally { parallel.Release(); }
    }

    public static string Sha256Of(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
