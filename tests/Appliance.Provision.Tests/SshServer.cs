using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Appliance.Exec;

namespace Appliance.Provision.Tests;

/// <summary>
/// A real OpenSSH server (Debian's sshd) on a loopback port with its own host key and one client key
/// that every test account accepts. Its config starts with an Include of a drop-in folder, so a
/// test can switch on the sshd drop-in that apply generated and see what it really does to logins.
/// </summary>
public sealed class SshServer : IAsyncDisposable
{
    private readonly Process sshd;
    private readonly string dropIn;

    private SshServer(Process sshd, int port, string folder)
    {
        this.sshd = sshd;
        Port = port;
        Folder = folder;
        ClientConfig = Path.Combine(folder, "ssh_config");
        Home = Path.Combine(folder, "home");
        dropIn = Path.Combine(folder, "sshd_config.d", "01-appliance.conf");
    }

    public int Port { get; }
    public string Folder { get; }
    public string ClientConfig { get; }

    /// <summary>An empty folder, home of the test accounts (so no shell reads this machine's rc files).</summary>
    public string Home { get; }

    public static async Task<SshServer> StartAsync()
    {
        // sshd reads authorized_keys as the logging-in user: the folder must be open to the test accounts.
        var folder = Directory.CreateTempSubdirectory("provision-sshd-").FullName;
        var runner = new LocalCommandRunner();
        (await runner.RunAsync(Command.Of("chmod", "755", folder))).EnsureSuccess();
        Directory.CreateDirectory(Path.Combine(folder, "home"));
        Directory.CreateDirectory(Path.Combine(folder, "sshd_config.d"));
        Directory.CreateDirectory("/run/sshd");
        (await runner.RunAsync(Command.Of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(folder, "host_key")))).EnsureSuccess();
        (await runner.RunAsync(Command.Of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(folder, "client_key")))).EnsureSuccess();
        var port = FreePort();
        await File.WriteAllTextAsync(Path.Combine(folder, "authorized_keys"),
            $"environment=\"HOME={folder}/home\" {await File.ReadAllTextAsync(Path.Combine(folder, "client_key.pub"))}");
        var hostKey = (await File.ReadAllTextAsync(Path.Combine(folder, "host_key.pub"))).Split(' ');
        await File.WriteAllTextAsync(Path.Combine(folder, "known_hosts"), $"[127.0.0.1]:{port} {hostKey[0]} {hostKey[1]}\n");
        // sshd keeps the first value it reads: an included drop-in wins over the lines below, as on the Mac.
        await File.WriteAllTextAsync(Path.Combine(folder, "sshd_config"), $"""
            Include {folder}/sshd_config.d/*.conf
            Port {port}
            ListenAddress 127.0.0.1
            HostKey {folder}/host_key
            PidFile {folder}/sshd.pid
            AuthorizedKeysFile {folder}/authorized_keys
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            PermitUserEnvironment yes
            MaxSessions 20
            MaxStartups 50
            Subsystem sftp internal-sftp
            """);
        await File.WriteAllTextAsync(Path.Combine(folder, "ssh_config"), $"""
            Host 127.0.0.1
              IdentityFile {folder}/client_key
              IdentitiesOnly yes
              UserKnownHostsFile {folder}/known_hosts
              StrictHostKeyChecking yes
              LogLevel ERROR
            """);
        var start = new ProcessStartInfo("/usr/sbin/sshd") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-D", "-e", "-f", Path.Combine(folder, "sshd_config") }) start.ArgumentList.Add(a);
        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        await Eventually(async () =>
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(10), $"sshd accepts connections on port {port}");
        return new SshServer(process, port, folder);
    }

    /// <summary>
    /// Puts a drop-in in front of the config (null removes it) and makes sshd re-read its config
    /// (SIGHUP), then waits until a root login answers the way the new config says.
    /// </summary>
    public async Task UseDropInAsync(byte[]? text)
    {
        if (text is null) File.Delete(dropIn);
        else await File.WriteAllBytesAsync(dropIn, text);
        (await new LocalCommandRunner().RunAsync(Command.Of("/bin/kill", "-HUP", sshd.Id.ToString()))).EnsureSuccess();
        await Eventually(async () =>
        {
            var root = await LoginAsync("root");
            return text is null ? root.Succeeded : root.StandardError.Contains("Permission denied", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(10), "sshd picked up the changed drop-in");
    }

    /// <summary>A plain `ssh USER@127.0.0.1 true` with the test key.</summary>
    public Task<CommandResult> LoginAsync(string user) =>
        new LocalCommandRunner().RunAsync(Command.Of("ssh", "-F", ClientConfig, "-n", "-o", "BatchMode=yes", "-p", Port.ToString(), $"{user}@127.0.0.1", "true"));

    public string Target(string user, string sandboxRoot) => $"ssh://{user}@127.0.0.1:{Port}?sandbox={Uri.EscapeDataString(sandboxRoot)}";

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!sshd.HasExited) sshd.Kill(entireProcessTree: true);
        await sshd.WaitForExitAsync();
        sshd.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}

/// <summary>
/// A throw-away Linux account that logs in with the test key, like a Mac admin; with
/// <c>sudo: true</c> it gets a NOPASSWD rule in /etc/sudoers.d (checked with visudo first).
/// </summary>
public sealed class LinuxAccount : IAsyncDisposable
{
    private static readonly LocalCommandRunner Runner = new();
    private readonly string? sudoers;

    private LinuxAccount(string name, string? sudoers)
    {
        Name = name;
        this.sudoers = sudoers;
    }

    public string Name { get; }

    public static async Task<LinuxAccount> CreateAsync(string home, bool sudo)
    {
        var name = "provtest" + Guid.NewGuid().ToString("n")[..8];
        // Password '*': none to log in with, but not a locked account (sshd refuses locked ones even with a key).
        (await Runner.RunAsync(Command.Of("/usr/sbin/useradd", "-M", "-d", home, "-s", "/bin/sh", "-p", "*", "-c", "provision test admin", name))).EnsureSuccess();
        if (!sudo) return new LinuxAccount(name, null);

        // sudo ignores files in sudoers.d whose names contain a dot: none here.
        var rule = Path.Combine(Path.GetTempPath(), name + "-sudoers");
        await File.WriteAllTextAsync(rule, $"{name} ALL=(ALL) NOPASSWD: ALL\n");
        (await Runner.RunAsync(Command.Of("chmod", "440", rule))).EnsureSuccess();
        (await Runner.RunAsync(Command.Of("/usr/sbin/visudo", "-cf", rule))).EnsureSuccess();
        var installed = "/etc/sudoers.d/" + name;
        File.Move(rule, installed);
        return new LinuxAccount(name, installed);
    }

    public async ValueTask DisposeAsync()
    {
        if (sudoers is not null) File.Delete(sudoers);
        await Runner.RunAsync(Command.Of("/usr/sbin/userdel", Name));
    }
}

/// <summary>One sshd for every ssh test, with an admin that may sudo and one that may not.</summary>
public sealed class SshFixture : IAsyncLifetime
{
    public SshServer Server { get; private set; } = null!;
    public LinuxAccount Admin { get; private set; } = null!;
    public LinuxAccount NoSudo { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await SshServer.StartAsync();
        Admin = await LinuxAccount.CreateAsync(Server.Home, sudo: true);
        NoSudo = await LinuxAccount.CreateAsync(Server.Home, sudo: false);
    }

    public async Task DisposeAsync()
    {
        await Admin.DisposeAsync();
        await NoSudo.DisposeAsync();
        await Server.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class SshCollection : ICollectionFixture<SshFixture>
{
    public const string Name = "sshd";
}
