using System.Security.Cryptography;
using Appliance.Config;
using Appliance.Exec;
using Appliance.Provision.Apply;
using Appliance.Provision.Desired;
using Appliance.Provision.Preflight;
using Appliance.Provision.Resources;
using Appliance.Provision.Ssh;
using Appliance.Provision.Targets;

namespace Appliance.Provision.Tests;

/// <summary>
/// The ssh target as a Mac admin uses it, against Debian's real sshd and sudo: the login is an
/// unprivileged account, every command and file goes through `sudo -n`, and root never logs in.
/// </summary>
[Collection(SshCollection.Name)]
public sealed class SshTargetTests(SshFixture fixture)
{
    private SshServer Server => fixture.Server;

    /// <summary>A simulated Mac behind the sshd that has the login's account; the config lets it in over SSH unless told otherwise.</summary>
    private static async Task<TestBox> MacForAsync(string login, string name, bool listed = true)
    {
        var box = new TestBox(name);
        (await box.MacAsync(MacTools.Sysadminctl, "-addUser", login, "-UID", "502", "-GID", "20")).EnsureSuccess();
        if (listed) box.WriteConfig(box.BaseConfig().Replace("users: [itadmin]", $"users: [itadmin, {login}]"));
        return box;
    }

    [Fact]
    public async Task The_scenario_passes_over_ssh_as_an_admin_through_sudo_and_never_needs_root_to_log_in()
    {
        var admin = fixture.Admin.Name;
        using var box = await MacForAsync(admin, "ssh");
        var scenario = new Scenario(box, Server.Target(admin, box.SandboxRoot), Server.ClientConfig);
        try
        {
            await scenario.RunDoneWhenAsync(async first =>
            {
                // What apply wrote belongs to whom the plan says (the simulated macOS keeps owners in its records)…
                var wanted = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var step in first.Pending.SelectMany(c => c.Steps))
                {
                    if (step is WriteFile w) wanted[w.Path] = $"{w.Owner}:{w.Group} {Modes.Octal(w.Mode)}";
                    if (step is CopyFile c) wanted[c.Path] = $"{c.Owner}:{c.Group} {Modes.Octal(c.Mode)}";
                    if (step is MakeDirectory d) wanted[d.Path] = $"{d.Owner}:{d.Group} {Modes.Octal(d.Mode)}";
                }
                Assert.Contains(wanted, w => w.Value.StartsWith("root:_appliance ", StringComparison.Ordinal));
                var stat = await scenario.MacAsync(MacTools.Stat, ["-f", "%N|%Su:%Sg %Lp", .. wanted.Keys]);
                Assert.Equal(wanted.Select(w => $"{w.Key}|{w.Value}").Order(StringComparer.Ordinal),
                    stat.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
                // …and on disk every file is root's: nothing was written as the login user.
                Assert.Equal("", (await Local("find", box.SandboxRoot, "!", "-user", "root")).StandardOutput);

                // Apply put the admin into the SSH access group, and pre-flight sees it there.
                await using (var session = await box.OpenAsync(Server.Target(admin, box.SandboxRoot), Server.ClientConfig))
                {
                    var login = Assert.Single(await session.PreflightAsync(CancellationToken.None), f => f.Check == "SSH login");
                    Assert.Equal((Severity.Ok, $"{admin}: sudo -n works, in system.ssh.users and in com.apple.access_ssh"), (login.Severity, login.Observed));
                }

                // With the sshd drop-in that apply generated in force, root can no longer log in; the admin carries on.
                await Server.UseDropInAsync(await File.ReadAllBytesAsync(box.HostPath(Layout.SshDropIn)));
                var refused = await Assert.ThrowsAsync<TargetUnreachableException>(() => box.OpenAsync(Server.Target("root", box.SandboxRoot), Server.ClientConfig));
                Assert.Contains("Permission denied", refused.Message);
                Assert.Contains("never root", refused.Message);
            });
        }
        finally
        {
            await Server.UseDropInAsync(null);
        }

        // The uploads waited in a private folder of the login user, which is gone with the session.
        Assert.Equal("", (await Local("find", "/tmp", "-maxdepth", "2", "-user", admin)).StandardOutput);
    }

    [Fact]
    public async Task Bytes_arguments_and_standard_input_arrive_exactly_through_ssh_and_sudo()
    {
        var admin = fixture.Admin.Name;
        using var box = await MacForAsync(admin, "ssh-bytes");
        await using var session = await box.OpenAsync(Server.Target(admin, box.SandboxRoot), Server.ClientConfig);
        var target = Assert.IsType<SshTarget>(session.Target);
        Assert.True(target.IsSimulated);
        Assert.Equal(admin, target.SshLogin);
        Assert.Contains("Status: Disabled", (await target.RunAsync(Command.Of(MacTools.Pfctl, "-s", "info"), CancellationToken.None)).StandardOutput);
        var login = Assert.Single(await session.PreflightAsync(CancellationToken.None), f => f.Check == "SSH login");
        Assert.Equal((Severity.Ok, $"{admin}: sudo -n works, in system.ssh.users; not yet in com.apple.access_ssh (apply adds it)"), (login.Severity, login.Observed));

        // Not UTF-8 at all: a lone continuation byte, an overlong '/', 0xFF 0xFE, NUL, CR LF, then noise.
        byte[] blob = [0x80, 0xC0, 0xAF, 0xFF, 0xFE, 0x00, 0x0D, 0x0A, .. RandomNumberGenerator.GetBytes(70_000)];
        const string path = "/Library/Application Support/Appliance/models/blob.gguf";
        await target.WriteFileAsync(path, blob, CancellationToken.None);
        Assert.Equal(blob, await File.ReadAllBytesAsync(box.HostPath(path)));
        Assert.Equal(blob, await target.ReadFileAsync(path, CancellationToken.None));
        Assert.Null(await target.ReadFileAsync("/Library/Application Support/Appliance/models/missing.gguf", CancellationToken.None));

        const string odd = "=it's $HOME; `id` * \\ \"q\" &";
        (await target.RunAsync(Command.Of(MacTools.Dscl, ".", "-create", "/Users/itadmin", "RealName", odd), CancellationToken.None)).EnsureSuccess();
        var read = await target.RunAsync(Command.Of(MacTools.Dscl, ".", "-read", "/Users/itadmin", "RealName"), CancellationToken.None);
        Assert.Equal($"RealName: {odd}\n", read.StandardOutput);

        const string input = "first line\nzweite Zeile, ü\n";
        Assert.Equal(input, (await target.RunAsync(Command.Of("/bin/cat").WithStandardInput(input), CancellationToken.None)).StandardOutput);
    }

    [Fact]
    public async Task An_admin_without_sudo_rights_is_told_which_sudoers_line_to_add_and_nothing_changes()
    {
        var login = fixture.NoSudo.Name;
        using var box = await MacForAsync(login, "ssh-nosudo");
        var before = Fingerprint(box.SandboxRoot);

        var apply = await Local("dotnet", Path.Combine(AppContext.BaseDirectory, "provision.dll"), "apply", "-c", box.ConfigFile,
            "--target", Server.Target(login, box.SandboxRoot), "--ssh-config", Server.ClientConfig, "--models-from", box.ModelCache, "--yes");

        Assert.Equal(1, apply.ExitCode);
        var output = apply.StandardOutput + apply.StandardError;
        Assert.Contains("sudo: a password is required", output);
        Assert.Contains($"`{login} ALL=(ALL) NOPASSWD: ALL`", output);
        Assert.Contains("/etc/sudoers.d/", output);
        Assert.DoesNotContain("   at ", output);
        Assert.Equal(before, Fingerprint(box.SandboxRoot));
    }

    [Fact]
    public async Task A_config_that_would_lock_out_the_admin_is_refused_at_plan_time_naming_the_field()
    {
        var admin = fixture.Admin.Name;
        using var box = await MacForAsync(admin, "ssh-lockout", listed: false);
        await using var session = await box.OpenAsync(Server.Target(admin, box.SandboxRoot), Server.ClientConfig);

        var finding = Assert.Single(await session.PreflightAsync(CancellationToken.None), f => f.Check == "SSH login");
        Assert.Equal(Severity.Error, finding.Severity);

        var plan = await session.PlanAsync(CancellationToken.None);
        var refused = Assert.Single(plan.Conflicts);
        var line = File.ReadAllLines(box.ConfigFile).ToList().FindIndex(l => l.Contains("users: [itadmin]", StringComparison.Ordinal)) + 1;
        Assert.Matches($@"appliance\.yaml:{line}:\d+: system\.ssh\.users: does not list '{admin}'", refused.Conflict);
        Assert.Contains("log in as one of: itadmin", refused.Conflict);
        Assert.Equal(finding.Advice, refused.Conflict);

        var outcome = await session.ApplyAsync(plan, null, CancellationToken.None);
        Assert.Equal(ApplyResult.Failed, outcome.Journal.Outcome);
        Assert.Empty(outcome.Journal.Steps);
        Assert.Null(await session.Target.ReadFileAsync(Layout.SshDropIn, CancellationToken.None));
    }

    [Fact]
    public async Task An_unreachable_host_is_a_clear_error()
    {
        using var box = new TestBox("ssh-down");
        var error = await Assert.ThrowsAsync<TargetUnreachableException>(() => box.OpenAsync("ssh://itadmin@127.0.0.1:1?sandbox=/nowhere"));
        Assert.Contains("cannot reach ssh itadmin@127.0.0.1:1", error.Message);
    }

    private static Task<CommandResult> Local(string program, params string[] arguments) =>
        new LocalCommandRunner().RunAsync(Command.Of(program, arguments).WithTimeout(TimeSpan.FromMinutes(5)));

    /// <summary>Every file under the folder with its SHA-256: equal fingerprints, nothing changed.</summary>
    private static string Fingerprint(string folder) =>
        string.Join('\n', Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => $"{Path.GetRelativePath(folder, f)} {Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f)))}"));
}

/// <summary>Which SSH logins survive apply: the rule behind the plan-time refusal.</summary>
public sealed class ProvisioningLoginTests
{
    private static readonly ConfigLoadResult Example = ConfigLoader.Load(Path.Combine(TestBox.RepositoryRoot, "appliance.yaml"));
    private static readonly ProvisioningLogin Login = new(Example.Config!.System.Ssh.Users, Example.Locations);

    /// <summary>The line of `system.ssh.users` in the example config, so the test follows edits above it.</summary>
    private static readonly int UsersLine = File.ReadAllLines(Path.Combine(TestBox.RepositoryRoot, "appliance.yaml"))
        .Select((text, i) => (text, i)).SkipWhile(l => !l.text.StartsWith("system:")).First(l => l.text.Contains("users:")).i + 1;

    [Fact]
    public void A_listed_admin_keeps_its_login() => Assert.Null(Login.LockoutOf("itadmin"));

    [Fact]
    public void Root_is_never_relied_upon_because_the_drop_in_refuses_it()
    {
        var lockout = Login.LockoutOf("root");
        Assert.Matches($@"appliance\.yaml:{UsersLine}:\d+: system\.ssh\.users: provision is logged in as root", lockout);
        Assert.Contains("PermitRootLogin no", lockout);
        Assert.Contains("(itadmin)", lockout);
    }

    [Fact]
    public void An_unlisted_admin_is_told_which_field_to_change()
    {
        Assert.Matches($@"appliance\.yaml:{UsersLine}:\d+: system\.ssh\.users: does not list 'maria'.*Add maria here, or log in as one of: itadmin\.$", Login.LockoutOf("maria"));
    }
}
