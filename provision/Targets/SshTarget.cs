using Appliance.Exec;

namespace Appliance.Provision.Targets;

/// <summary>
/// `ssh://admin@host[:port]`: the same commands over the system ssh and scp, the way a Mac admin
/// works. The login is an admin account (macOS never lets root log in over SSH, and the appliance's
/// sshd drop-in says so too); every command runs as root through `sudo -n`, which fails rather than
/// ask for a password (like ssh's BatchMode: nothing ever prompts). Files travel into a private
/// folder of the login user and are then placed by root. One multiplexed connection serves every
/// command. Logged in as root (a Linux test box), sudo is skipped.
/// With `?sandbox=DIR` the remote is a simulated macOS: commands run the simulated command set in
/// DIR/.simulated-macos/bin (by full path: sudo resets PATH) and file contents go under DIR.
/// </summary>
public sealed class SshTarget : ITarget
{
    private const string Sudo = "/usr/bin/sudo";

    /// <summary>
    /// How long ssh waits for the TCP connection and the server's banner: a box that is off or has
    /// Remote Login disabled must fail in seconds, not when the command's own timeout ends.
    /// </summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The first command: it opens the shared connection and proves root works without a prompt.</summary>
    private static readonly Command Probe = Command.Of("/usr/bin/true");

    // Run as root. base64 carries every byte through ssh's text stdout.
    private const int NoSuchFile = 66;
    private static readonly string ReadScript = $"[ -f \"$1\" ] || exit {NoSuchFile}; exec /usr/bin/base64 < \"$1\"";

    // Run as root: the upload becomes root's and readable by root only until the caller sets owner
    // and mode; the login user's copy is removed whatever happens.
    private const string PlaceScript =
        "/bin/mkdir -p \"$(/usr/bin/dirname \"$2\")\" && /usr/bin/install -m 600 \"$1\" \"$2\"; status=$?; /bin/rm -f \"$1\"; exit $status";

    private readonly ICommandRunner runner;
    private readonly string controlFolder;
    private readonly IReadOnlyList<string> options;
    private readonly SemaphoreSlim uploadGate = new(1, 1);
    private string? uploadFolder;

    private SshTarget(TargetAddress.Ssh address, string? sshConfig, ICommandRunner runner)
    {
        Address = address;
        this.runner = runner;
        // 0700: the control socket and outgoing uploads are this user's only.
        controlFolder = Directory.CreateTempSubdirectory("appliance-ssh-").FullName;
        var list = new List<string>();
        if (sshConfig is not null) list.AddRange(["-F", sshConfig]);
        list.AddRange(["-o", "BatchMode=yes", "-o", $"ConnectTimeout={(int)ConnectTimeout.TotalSeconds}", "-o", "ControlMaster=auto", "-o", $"ControlPath={controlFolder}/%C", "-o", "ControlPersist=30"]);
        options = list;
    }

    /// <summary>
    /// Connects and makes sure the login may act as root without a prompt, so that problems show
    /// before anything is read or changed.
    /// </summary>
    /// <exception cref="TargetUnreachableException">ssh cannot connect or the login is refused.</exception>
    /// <exception cref="SudoRefusedException">the login user may not use `sudo -n`.</exception>
    public static async Task<SshTarget> OpenAsync(TargetAddress.Ssh address, string? sshConfig, ICommandRunner runner, CancellationToken cancellationToken)
    {
        var target = new SshTarget(address, sshConfig, runner);
        try
        {
            var result = await target.RunAsRootAsync(Probe, cancellationToken);
            if (!result.Succeeded) throw new CommandFailedException(result);
            return target;
        }
        catch
        {
            await target.DisposeAsync();
            throw;
        }
    }

    public TargetAddress.Ssh Address { get; }
    public bool IsSimulated => Address.SandboxRoot is not null;
    public string? SshLogin => Address.User;
    public string Description => IsSimulated
        ? $"ssh {Address.User}@{Address.Host}:{Address.Port}, sandbox {Address.SandboxRoot} (simulated macOS)"
        : $"ssh {Address.User}@{Address.Host}:{Address.Port}";

    private string Destination => $"{Address.User}@{Address.Host}";
    private bool UsesSudo => Address.User != "root";

    public async Task<CommandResult> RunAsync(Command command, CancellationToken cancellationToken)
    {
        var onBox = Address.SandboxRoot is { } root ? SimulatedCommands.Map(command, root.TrimEnd('/') + "/.simulated-macos/bin") : command;
        return (await RunAsRootAsync(onBox, cancellationToken)) with { Command = command };
    }

    public async Task<byte[]?> ReadFileAsync(string path, CancellationToken cancellationToken)
    {
        var read = Command.Of("/bin/sh", "-c", ReadScript, "appliance-read", RemotePath(path)).WithTimeout(TimeSpan.FromMinutes(10));
        var result = await RunAsRootAsync(read, cancellationToken);
        if (result.ExitCode == NoSuchFile) return null;
        if (!result.Succeeded) throw new CommandFailedException(result);
        return Convert.FromBase64String(result.StandardOutput);
    }

    public async Task WriteFileAsync(string path, byte[] content, CancellationToken cancellationToken)
    {
        var local = Path.Combine(controlFolder, "upload-" + Guid.NewGuid().ToString("n"));
        await File.WriteAllBytesAsync(local, content, cancellationToken);
        try
        {
            await PlaceAsync(local, path, cancellationToken);
        }
        finally
        {
            File.Delete(local);
        }
    }

    public Task CopyFileAsync(string localPath, string path, CancellationToken cancellationToken) => PlaceAsync(localPath, path, cancellationToken);

    /// <summary>scp into the login user's private folder, then root installs it at the path (mode 0600 until the caller sets owner and mode).</summary>
    private async Task PlaceAsync(string localPath, string path, CancellationToken cancellationToken)
    {
        var upload = $"{await UploadFolderAsync(cancellationToken)}/{Guid.NewGuid():n}";
        var placed = false;
        try
        {
            var scp = Command.Of("scp", [.. options, "-q", "-P", Address.Port.ToString(), localPath, $"{Destination}:{upload}"]).WithTimeout(TimeSpan.FromHours(2));
            var copied = await runner.RunAsync(scp, cancellationToken);
            if (!copied.Succeeded) throw new CommandFailedException(copied with { Command = Command.Of("scp", localPath, $"{Destination}:{upload}") });
            var place = Command.Of("/bin/sh", "-c", PlaceScript, "appliance-place", upload, RemotePath(path)).WithTimeout(TimeSpan.FromHours(1));
            var result = await RunAsRootAsync(place, cancellationToken);
            if (!result.Succeeded) throw new CommandFailedException(result);
            placed = true;
        }
        finally
        {
            // The place script removes the upload; if it never ran, the login user removes its own file.
            if (!placed) await runner.RunAsync(Ssh(RemoteShell.Line(["/bin/rm", "-f", upload])), CancellationToken.None);
        }
    }

    /// <summary>A folder only the login user can enter (mktemp -d: 0700), made once per session.</summary>
    private async Task<string> UploadFolderAsync(CancellationToken cancellationToken)
    {
        await uploadGate.WaitAsync(cancellationToken);
        try
        {
            if (uploadFolder is not null) return uploadFolder;
            var mktemp = Command.Of("/bin/sh", "-c", "exec /usr/bin/mktemp -d \"${TMPDIR:-/tmp}/appliance-upload.XXXXXXXX\"");
            var made = await RunSshAsync(Ssh(RemoteShell.Line([mktemp.Program, .. mktemp.Arguments])), cancellationToken);
            var folder = made.StandardOutput.Trim();
            if (!made.Succeeded || !folder.StartsWith('/')) throw new CommandFailedException(made with { Command = mktemp });
            return uploadFolder = folder;
        }
        finally
        {
            uploadGate.Release();
        }
    }

    private string RemotePath(string path) => Address.SandboxRoot is { } root ? root.TrimEnd('/') + path : path;

    /// <summary>The command as root on the box (through `sudo -n` unless logged in as root), its standard input passed through.</summary>
    private async Task<CommandResult> RunAsRootAsync(Command command, CancellationToken cancellationToken)
    {
        IEnumerable<string> words = [command.Program, .. command.Arguments];
        var ssh = Ssh(RemoteShell.Line(UsesSudo ? [Sudo, "-n", "--", .. words] : words), command.StandardInput).WithTimeout(command.Timeout);
        var result = (await RunSshAsync(ssh, cancellationToken)) with { Command = command };
        if (UsesSudo && result.ExitCode == 1 && SudoRefusal(result.StandardError) is { } refusal)
            throw new SudoRefusedException(command, command == Probe
                ? SudoAdvice("cannot run commands as root without a password", refusal) + " Nothing was changed."
                : SudoAdvice($"may not run `{command}` as root without a password", refusal));
        return result;
    }

    private Command Ssh(string remoteCommandLine, string? standardInput = null)
    {
        // -n: without input of its own, ssh must not read (and swallow) provision's standard input.
        string[] input = standardInput is null ? ["-n"] : [];
        var ssh = Command.Of("ssh", [.. options, .. input, "-p", Address.Port.ToString(), Destination, "--", remoteCommandLine]);
        return standardInput is null ? ssh : ssh.WithStandardInput(standardInput);
    }

    private async Task<CommandResult> RunSshAsync(Command ssh, CancellationToken cancellationToken)
    {
        var result = await runner.RunAsync(ssh, cancellationToken);
        var error = result.StandardError.Trim();
        if (result.ExitCode == 255 && error.Contains("Permission denied (", StringComparison.Ordinal))
            throw new TargetUnreachableException(Description,
                $"{error} The Mac refused the login as {Address.User}. provision logs in with your SSH key and never types a password: " +
                $"the key must be in ~{Address.User}/.ssh/authorized_keys on the Mac, {Address.User} must be allowed to use Remote Login " +
                "(System Settings → General → Sharing → Remote Login, i.e. a member of com.apple.access_ssh), and the login must be an admin, never root.");
        if (result.ExitCode == 255 && NoAnswer.Any(e => error.Contains(e, StringComparison.Ordinal)))
            throw new TargetUnreachableException(Description, $"{NoAnswerMessage(Address.Port)} (ssh: {error.Split('\n')[0].Trim()})");
        if (result.ExitCode == 255 && (error.Contains("ssh:", StringComparison.Ordinal) || error.Contains("Connection closed", StringComparison.Ordinal)
                                       || error.Contains("Host key verification failed", StringComparison.Ordinal)))
            throw new TargetUnreachableException(Description, error);
        return result;
    }

    /// <summary>What ssh prints when nothing answers on the port (refused, filtered, or silent past <see cref="ConnectTimeout"/>).</summary>
    private static readonly string[] NoAnswer =
        ["Connection refused", "Connection timed out", "timed out during banner exchange", "Operation timed out", "No route to host", "Network is unreachable"];

    public static string NoAnswerMessage(int port) => $"the box does not answer on port {port} (is it on, is Remote Login enabled?)";

    /// <summary>sudo's own complaint when it will not run the command without a password, or null.</summary>
    private static string? SudoRefusal(string standardError) =>
        standardError.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("sudo: ", StringComparison.Ordinal)
            && new[] { "password is required", "terminal is required", "must have a tty", "not in the sudoers", "not allowed to", "may not run sudo" }
                .Any(p => l.Contains(p, StringComparison.Ordinal)));

    private string SudoAdvice(string problem, string refusal) =>
        $"{Destination} {problem} ({refusal}). " +
        "provision runs every command on the Mac through `sudo -n`, which never prompts, so that it can run unattended. " +
        $"On the Mac, as an admin, run `sudo visudo -f /etc/sudoers.d/appliance-provision` and add the line `{Address.User} ALL=(ALL) NOPASSWD: ALL` " +
        "(it covers this admin only), or log in as an admin who has such a rule.";

    public async ValueTask DisposeAsync()
    {
        if (uploadFolder is not null)
            await runner.RunAsync(Ssh(RemoteShell.Line(["/bin/rm", "-rf", uploadFolder])), CancellationToken.None);
        await runner.RunAsync(Command.Of("ssh", [.. options, "-p", Address.Port.ToString(), "-O", "exit", Destination]), CancellationToken.None);
        uploadGate.Dispose();
        try { Directory.Delete(controlFolder, recursive: true); }
        catch (IOException) { /* the control socket may linger for a moment; it lives in /tmp */ }
    }
}

public sealed class TargetUnreachableException(string target, string detail)
    : Exception($"cannot reach {target}: {detail}");

/// <summary>sudo on the box wants a password, or refuses the login user: provision never types one.</summary>
public sealed class SudoRefusedException(Command command, string message) : CommandException(command, message);
