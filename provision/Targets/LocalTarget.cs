using Appliance.Exec;

namespace Appliance.Provision.Targets;

/// <summary>`local`: provisioning the Mac this runs on. Needs macOS and root; anything else is refused.</summary>
public sealed class LocalTarget(ICommandRunner runner) : ITarget
{
    public string Description => "this Mac (local)";
    public string? SshLogin => null;
    public bool IsSimulated => false;

    /// <summary>Why `--target local` cannot work here, or null when it can.</summary>
    public static string? RefusalReason()
    {
        if (!OperatingSystem.IsMacOS())
            return $"--target local provisions the Mac it runs on, but this is {System.Runtime.InteropServices.RuntimeInformation.OSDescription}. " +
                   "Use --target ssh://admin@mac-studio.lan or try it on --target sandbox:DIR (simulated macOS).";
        if (Environment.UserName != "root")
            return "--target local needs root: run it with sudo.";
        return null;
    }

    public Task<CommandResult> RunAsync(Command command, CancellationToken cancellationToken) => runner.RunAsync(command, cancellationToken);

    public async Task<byte[]?> ReadFileAsync(string path, CancellationToken cancellationToken) =>
        File.Exists(path) ? await File.ReadAllBytesAsync(path, cancellationToken) : null;

    public async Task WriteFileAsync(string path, byte[] content, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, content, cancellationToken);
    }

    public Task CopyFileAsync(string localPath, string path, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Copy(localPath, path, overwrite: true);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
