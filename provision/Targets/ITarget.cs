using Appliance.Exec;

namespace Appliance.Provision.Targets;

/// <summary>
/// The Mac being provisioned, reached somehow: commands use macOS program paths and macOS file
/// paths; the target decides how they reach the box (a local process, ssh, or the simulated macOS
/// of a sandbox). File contents travel through the target; owner and mode are set by commands.
/// </summary>
public interface ITarget : IAsyncDisposable
{
    /// <summary>How the target reads in messages, e.g. "sandbox /tmp/box (simulated macOS)".</summary>
    string Description { get; }

    /// <summary>True when the box is the simulated macOS test double, never a real Mac.</summary>
    bool IsSimulated { get; }

    /// <summary>
    /// The account provision is logged in as over SSH, or null when no SSH login is involved: apply
    /// must not change sshd so that this login stops working.
    /// </summary>
    string? SshLogin { get; }

    Task<CommandResult> RunAsync(Command command, CancellationToken cancellationToken);

    /// <summary>The file's bytes, or null when it does not exist.</summary>
    Task<byte[]?> ReadFileAsync(string path, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the bytes to the path as root (creating or replacing it); owner and mode are the
    /// caller's next step, so callers write a temporary name, set both, then rename (see StepRunner).
    /// </summary>
    Task WriteFileAsync(string path, byte[] content, CancellationToken cancellationToken);

    /// <summary>Copies a (possibly large) local file to the path on the box.</summary>
    Task CopyFileAsync(string localPath, string path, CancellationToken cancellationToken);
}
