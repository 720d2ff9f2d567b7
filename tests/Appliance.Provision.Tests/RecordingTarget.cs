using System.Collections.Concurrent;
using Appliance.Exec;
using Appliance.Provision.Resources;
using Appliance.Provision.Targets;

namespace Appliance.Provision.Tests;

/// <summary>A target that passes everything through and remembers what it was asked to run, in macOS terms (before the sandbox maps programs).</summary>
public sealed class RecordingTarget(ITarget inner) : ITarget
{
    public ConcurrentQueue<Command> Ran { get; } = new();

    public string Description => inner.Description;
    public bool IsSimulated => inner.IsSimulated;
    public string? SshLogin => inner.SshLogin;

    public Task<CommandResult> RunAsync(Command command, CancellationToken cancellationToken)
    {
        Ran.Enqueue(command);
        return inner.RunAsync(command, cancellationToken);
    }

    /// <summary>Recorded as the file-read check (`cat PATH`) the target carries.</summary>
    public Task<byte[]?> ReadFileAsync(string path, CancellationToken cancellationToken)
    {
        Ran.Enqueue(LiveBox.ReadOf(path));
        return inner.ReadFileAsync(path, cancellationToken);
    }

    public Task WriteFileAsync(string path, byte[] content, CancellationToken cancellationToken) => inner.WriteFileAsync(path, content, cancellationToken);
    public Task CopyFileAsync(string localPath, string path, CancellationToken cancellationToken) => inner.CopyFileAsync(localPath, path, cancellationToken);
    public ValueTask DisposeAsync() => inner.DisposeAsync();

    /// <summary>What ran, with each batched `stat -f FORMAT P1 P2 …` counted as one check per path (that is how plans batch them).</summary>
    public IReadOnlySet<Command> Checks() => Ran.SelectMany(c =>
        c.Program == MacTools.Stat && c.Arguments.Length > 3 && c.Arguments[0] == "-f"
            ? c.Arguments.Skip(2).Select(p => c with { Arguments = [c.Arguments[0], c.Arguments[1], p] })
            : [c]).ToHashSet();
}
