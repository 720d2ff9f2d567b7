using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Appliance.Exec;
using Appliance.Provision.Targets;

namespace Appliance.Provision.Tests;

/// <summary>
/// A real OpenSSH server (Debian's sshd) on a loopback port with its own host key and
/// authorized_keys; the key's login PATH puts the simulated macOS commands first, as they would
/// be on the Mac. Started and stopped by the test.
/// </summary>
public sealed class SshServer : IAsyncDisposable
{
    private readonly Process sshd;

    private SshServer(Process sshd, int port, string clientConfig)
    {
        this.sshd = sshd;
        Port = port;
        ClientConfig = clientConfig;
    }

    public int Port { get; }
    public string ClientConfig { get; }

    public static async Task<SshServer> StartAsync(string folder, string remotePath)
    {
        Directory.CreateDirectory("/run/sshd");
        var runner = new LocalCommandRunner();
        (await runner.RunAsync(Command.Of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(folder, "host_key")))).EnsureSuccess();
        (await runner.RunAsync(Command.Of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(folder, "client_key")))).EnsureSuccess();
        var port = FreePort();
        await File.WriteAllTextAsync(Path.Combine(folder, "authorized_keys"),
            // HOME points at an empty folder so the login shell reads no .bashrc (this machine's is slow).
            $"environment=\"PATH={remotePath}\",environment=\"HOME={folder}\" {await File.ReadAllTextAsync(Path.Combine(folder, "client_key.pub"))}");
        var hostKey = (await File.ReadAllTextAsync(Path.Combine(folder, "host_key.pub"))).Split(' ');
        await File.WriteAllTextAsync(Path.Combine(folder, "known_hosts"), $"[127.0.0.1]:{port} {hostKey[0]} {hostKey[1]}\n");
        await File.WriteAllTextAsync(Path.Combine(folder, "sshd_config"), $"""
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
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                break;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        return new SshServer(process, port, Path.Combine(folder, "ssh_config"));
    }

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
    }
}

/// <summary>The same "done when" scenario, with every command and file going over ssh and scp.</summary>
public sealed class SshTargetTests
{
    [Fact]
    public async Task The_scenario_passes_over_ssh_against_a_real_sshd()
    {
        using var box = new TestBox("ssh");
        // The remote "Mac": a simulated macOS whose commands are on the ssh login's PATH.
        await using (await box.OpenAsync()) { }
        var bin = Path.Combine(box.SandboxRoot, ".simulated-macos", "bin");
        var folder = Directory.CreateDirectory(Path.Combine(box.Folder, "ssh")).FullName;
        await using var server = await SshServer.StartAsync(folder, $"{bin}:/usr/local/bin:/usr/bin:/bin");
        var target = $"ssh://root@127.0.0.1:{server.Port}?sandbox={Uri.EscapeDataString(box.SandboxRoot)}";

        await using (var session = await box.OpenAsync(target, server.ClientConfig))
        {
            Assert.IsType<SshTarget>(session.Target);
            Assert.True(session.Target.IsSimulated);
            var info = await session.Target.RunAsync(Command.Of(MacTools.Pfctl, "-s", "info"), CancellationToken.None);
            Assert.Contains("Status: Disabled", info.StandardOutput);
        }

        await new Scenario(box, target, server.ClientConfig).RunDoneWhenAsync();
    }

    [Fact]
    public async Task An_unreachable_host_is_a_clear_error()
    {
        using var box = new TestBox("ssh-down");
        await using var session = await box.OpenAsync("ssh://root@127.0.0.1:1?sandbox=/nowhere");
        var error = await Assert.ThrowsAsync<TargetUnreachableException>(() => session.PlanAsync(CancellationToken.None));
        Assert.Contains("cannot reach ssh root@127.0.0.1:1", error.Message);
    }
}
