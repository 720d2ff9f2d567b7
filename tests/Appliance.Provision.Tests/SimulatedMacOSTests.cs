using Appliance.Exec;
using Appliance.Provision.Targets;

namespace Appliance.Provision.Tests;

/// <summary>The awkward macOS behaviours from MACOS.md, as the simulated command set reproduces them.</summary>
public sealed class SimulatedMacOSTests : IAsyncLifetime
{
    private readonly TestBox box = new("simulated");
    private ITarget target = null!;

    public async Task InitializeAsync() => target = await SandboxTarget.OpenAsync(box.SandboxRoot, 64, new LocalCommandRunner(), CancellationToken.None);

    public async Task DisposeAsync()
    {
        await target.DisposeAsync();
        box.Dispose();
    }

    private Task<CommandResult> Mac(string program, params string[] args) => target.RunAsync(Command.Of(program, args), CancellationToken.None);

    private const string Plist = """
        <?xml version="1.0" encoding="UTF-8"?>
        <plist version="1.0"><dict><key>Label</key><string>com.example.job</string>
        <key>ProgramArguments</key><array><string>/usr/bin/true</string></array>
        <key>KeepAlive</key><true/></dict></plist>
        """;

    [Fact]
    public async Task Launchd_refuses_bad_modes_answers_113_for_unknown_jobs_and_lingers_after_bootout()
    {
        const string path = "/Library/LaunchDaemons/com.example.job.plist";
        await target.WriteFileAsync(path, System.Text.Encoding.UTF8.GetBytes(Plist), CancellationToken.None);
        Assert.Equal(113, (await Mac(MacTools.Launchctl, "print", "system/com.example.job")).ExitCode);

        (await Mac(MacTools.Chmod, "664", path)).EnsureSuccess();
        var refused = await Mac(MacTools.Launchctl, "bootstrap", "system", path);
        Assert.Equal(5, refused.ExitCode);
        Assert.Contains("bad ownership/permissions", refused.StandardError);
        Assert.Equal(0, (await Mac(MacTools.Launchctl, "load", path)).ExitCode);

        (await Mac(MacTools.Chmod, "644", path)).EnsureSuccess();
        Assert.Equal(0, (await Mac(MacTools.Launchctl, "bootstrap", "system", path)).ExitCode);
        Assert.Equal(0, (await Mac(MacTools.Launchctl, "print", "system/com.example.job")).ExitCode);

        Assert.Equal(0, (await Mac(MacTools.Launchctl, "bootout", "system/com.example.job")).ExitCode);
        Assert.Equal(37, (await Mac(MacTools.Launchctl, "bootstrap", "system", path)).ExitCode);
        var polls = 0;
        await Eventually(async () => (await Mac(MacTools.Launchctl, "print", "system/com.example.job")).ExitCode != 0 || ++polls > 5,
            TimeSpan.FromSeconds(30), "the booted-out job is gone");
        Assert.InRange(polls, 1, 5);
        Assert.Equal(0, (await Mac(MacTools.Launchctl, "bootstrap", "system", path)).ExitCode);
    }

    [Fact]
    public async Task Sysadminctl_exits_0_even_when_it_fails_so_only_id_tells()
    {
        var taken = await Mac(MacTools.Sysadminctl, "-addUser", "_other", "-UID", "501", "-roleAccount");
        Assert.Equal(0, taken.ExitCode);
        Assert.NotEmpty(taken.StandardError);
        Assert.Equal(1, (await Mac(MacTools.Id, "-u", "_other")).ExitCode);
    }

    [Fact]
    public async Task Pf_starts_disabled_loading_rules_does_not_enable_it_and_tokens_count()
    {
        var info = await Mac(MacTools.Pfctl, "-s", "info");
        Assert.Contains("Status: Disabled", info.StandardOutput);
        Assert.Contains("No ALTQ support in kernel", info.StandardError);
        Assert.Equal(0, info.ExitCode);

        (await Mac(MacTools.Pfctl, "-f", "/etc/pf.conf")).EnsureSuccess();
        Assert.Contains("Status: Disabled", (await Mac(MacTools.Pfctl, "-s", "info")).StandardOutput);

        var first = (await Mac(MacTools.Pfctl, "-E")).StandardOutput.Split(':')[1].Trim();
        (await Mac(MacTools.Pfctl, "-E")).EnsureSuccess();
        (await Mac(MacTools.Pfctl, "-X", first)).EnsureSuccess();
        Assert.Contains("Status: Enabled", (await Mac(MacTools.Pfctl, "-s", "info")).StandardOutput);
        (await Mac(MacTools.Pfctl, "-d")).EnsureSuccess();
        Assert.Contains("Status: Disabled", (await Mac(MacTools.Pfctl, "-s", "info")).StandardOutput);
        Assert.DoesNotContain("pfctl", (await Mac(MacTools.Pfctl, "-s", "References")).StandardOutput.Split('\n').Skip(2).FirstOrDefault() ?? "");
    }

    [Fact]
    public async Task Sip_keeps_the_system_read_only_and_swap_cannot_be_switched_off()
    {
        var chmod = await Mac(MacTools.Chmod, "777", "/System/Library/LaunchDaemons/com.apple.pfctl.plist");
        Assert.Equal(1, chmod.ExitCode);
        Assert.Contains("Operation not permitted", chmod.StandardError);
        Assert.Contains("enabled.", (await Mac(MacTools.Csrutil, "status")).StandardOutput);
        Assert.Equal(1, (await Mac(MacTools.Csrutil, "disable")).ExitCode);
        Assert.Equal(1, (await Mac(MacTools.Sysctl, "vm.swapusage=0")).ExitCode);
        Assert.Contains("(encrypted)", (await Mac(MacTools.Sysctl, "vm.swapusage")).StandardOutput);
    }
}
