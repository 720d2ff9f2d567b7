using System.Text;
using Appliance.Exec;

namespace Appliance.Provision.Targets;

/// <summary>
/// `ssh://user@host[:port]`: the same commands over the system ssh and scp with key authentication
/// (BatchMode: never a password prompt). One multiplexed connection serves every command.
/// With `?sandbox=DIR` the remote is a simulated macOS: commands resolve on the remote PATH (where
/// the simulated command set is) and file contents go under DIR.
/// </summary>
public sealed class SshTarget : ITarget
{
    private readonly ICommandRunner runner;
    private readonly string controlFolder;
    private readonly IReadOnlyList<string> options;

    public SshTarget(TargetAddress.Ssh address, string? sshConfig, ICommandRunner runner)
    {
        Address = address;
        this.runner = runner;
        controlFolder = Directory.CreateTempSubdirectory("appliance-ssh-").FullName;
        var list = new List<string>();
        if (sshConfig is not null) list.AddRange(["-F", sshConfig]);
        list.AddRange(["-o", "BatchMode=yes", "-o", "ControlMaster=auto", "-o", $"ControlPath={controlFolder}/%C", "-o", "ControlPersist=30"]);
        options = list;
    }

    public TargetAddress.Ssh Address { get; }
    public bool IsSimulated => Address.SandboxRoot is not null;
    public string Description => IsSimulated
        ? $"ssh {Address.User}@{Address.Host}:{Address.Port}, sandbox {Address.SandboxRoot} (simulated macOS)"
        : $"ssh {Address.User}@{Address.Host}:{Address.Port}";

    private string Destination => $"{Address.User}@{Address.Host}";

    private Command Ssh(string remoteCommandLine) =>
        Command.Of("ssh", [.. options, "-p", Address.Port.ToString(), Destination, "--", remoteCommandLine]);

    public async Task<CommandResult> RunAsync(Command command, CancellationToken cancellationToken)
    {
        var program = IsSimulated ? Path.GetFileName(command.Program) : command.Program;
        var line = string.Join(' ', new[] { program }.Concat(command.Arguments).Select(ShellWord));
        var ssh = Ssh(line).WithTimeout(command.Timeout);
        if (command.StandardInput is not null) ssh = ssh.WithStandardInput(command.StandardInput);
        var result = await runner.RunAsync(ssh, cancellationToken);
        if (result.ExitCode == 255 && result.StandardError.Contains("ssh:", StringComparison.Ordinal))
            throw new TargetUnreachableException(Description, result.StandardError.Trim());
        return result with { Command = command };
    }

    public async Task<byte[]?> ReadFileAsync(string path, CancellationToken cancellationToken)
    {
        var result = await RunAsync(Command.Of("/bin/cat", path), cancellationToken);
        return result.Succeeded ? Encoding.UTF8.GetBytes(result.StandardOutput) : null;
    }

    public async Task WriteFileAsync(string path, byte[] content, CancellationToken cancellationToken)
    {
        var local = Path.Combine(controlFolder, "upload-" + Guid.NewGuid().ToString("n"));
        await File.WriteAllBytesAsync(local, content, cancellationToken);
        try
        {
            await CopyFileAsync(local, path, cancellationToken);
        }
        finally
        {
            File.Delete(local);
        }
    }

    public async Task CopyFileAsync(string localPath, string path, CancellationToken cancellationToken)
    {
        var remote = Address.SandboxRoot is null ? path : Address.SandboxRoot.TrimEnd('/') + path;
        var parent = remote[..remote.LastIndexOf('/')];
        // The real mkdir: on a simulated remote, PATH would find the simulated one, which maps paths again.
        var mkdir = await runner.RunAsync(Ssh($"/bin/mkdir -p {ShellWord(parent)}"), cancellationToken);
        if (!mkdir.Succeeded && !IsSimulated) mkdir.EnsureSuccess();
        var scp = Command.Of("scp", [.. options, "-q", "-P", Address.Port.ToString(), localPath, $"{Destination}:{remote}"])
            .WithTimeout(TimeSpan.FromHours(2));
        (await runner.RunAsync(scp, cancellationToken)).EnsureSuccess();
    }

    public async ValueTask DisposeAsync()
    {
        await runner.RunAsync(Command.Of("ssh", [.. options, "-p", Address.Port.ToString(), "-O", "exit", Destination]), CancellationToken.None);
        try { Directory.Delete(controlFolder, recursive: true); }
        catch (IOException) { /* the control socket may linger for a moment; it lives in /tmp */ }
    }

    /// <summary>ssh hands the remote shell one string: every word is single-quoted.</summary>
    private static string ShellWord(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:@,+%".Contains(c)) ? word : "'" + word.Replace("'", "'\\''") + "'";
}

public sealed class TargetUnreachableException(string target, string detail)
    : Exception($"cannot reach {target}: {detail}");
