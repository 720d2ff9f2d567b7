using Appliance.Provision.Apply;
using Appliance.Provision.Desired;

namespace Appliance.Provision.Tests;

/// <summary>The whole life of a box on the simulated macOS: apply, drift, repair, rollback, removal, failure, reboot.</summary>
public sealed class SandboxScenarioTests
{
    [Fact]
    public async Task Apply_from_nothing_then_no_op_drift_repair_rollback_and_removal()
    {
        using var box = new TestBox("scenario");
        var scenario = new Scenario(box, box.Target);
        await scenario.RunDoneWhenAsync();

        // After a reboot pf comes up disabled and the wired limit is gone; the appliance's own
        // daemons put both back, so the box verifies clean without anyone running apply.
        (await scenario.MacAsync("/sbin/reboot")).EnsureSuccess();
        var report = await scenario.VerifyAsync();
        Assert.Empty(Scenario.Failed(report));
    }
}

/// <summary>Failures leave a journal entry and an accurate ownership record; the next apply finishes the job.</summary>
public sealed class FailedApplyTests
{
    [Fact]
    public async Task A_step_failing_mid_apply_is_journaled_and_a_rerun_completes()
    {
        using var box = new TestBox("failing");
        var scenario = new Scenario(box, box.Target);
        await using (var session = await box.OpenAsync())
        {
            // launchd answering error 5 at the agent's bootstrap: a real failure mode (bad plist, launchd busy).
            (await session.Target.RunAsync(Exec.Command.Of("simulated-fault",
                "launchctl bootstrap system /Library/LaunchDaemons/com.appliance.agent.plist", "5", "Bootstrap failed: 5: Input/output error"),
                CancellationToken.None)).EnsureSuccess();
        }

        var (_, failed) = await scenario.ApplyAsync();
        Assert.False(failed.Succeeded);
        Assert.Equal(ApplyResult.Failed, failed.Journal.Outcome);
        Assert.Null(failed.Journal.Generation);
        Assert.Contains("Bootstrap failed: 5", failed.Journal.Error);
        Assert.Contains("com.appliance.agent", failed.Journal.Error);
        Assert.False(failed.Journal.Steps[^1].Succeeded);
        Assert.True(failed.Journal.Steps.Count(s => s.Succeeded) > 10, "the steps before the failure ran and are journaled");
        Assert.Contains(failed.Record.Owned, o => o.Path == Layout.AnchorFile);

        var (_, rerun) = await scenario.ApplyAsync();
        Assert.True(rerun.Succeeded, rerun.Journal.Error);
        Assert.Equal(1, rerun.Journal.Generation);
        Assert.DoesNotContain(rerun.Journal.Steps, s => s.Step.Contains("pf.anchors", StringComparison.Ordinal));
        Assert.Empty(Scenario.Failed(await scenario.VerifyAsync()));
        Assert.Equal([ApplyResult.Failed, ApplyResult.Applied], (await scenario.JournalAsync()).Select(j => j.Outcome));
    }
}

/// <summary>Ownership: provision replaces only what it wrote.</summary>
public sealed class OwnershipTests
{
    [Fact]
    public async Task A_file_the_tool_does_not_own_is_never_overwritten()
    {
        using var box = new TestBox("foreign");
        var scenario = new Scenario(box, box.Target);
        await scenario.WriteAsync(Layout.AnchorFile, "# somebody's own rules\npass all\n");

        var (plan, outcome) = await scenario.ApplyAsync();
        var conflict = Assert.Single(plan.Conflicts);
        Assert.Equal("file " + Layout.AnchorFile, conflict.Resource);
        Assert.False(outcome.Succeeded);
        Assert.Contains("was not written by provision", outcome.Journal.Error);
        Assert.Empty(outcome.Journal.Steps);
        Assert.Equal("# somebody's own rules\npass all\n", await scenario.ReadAsync(Layout.AnchorFile));
        Assert.False((await scenario.MacAsync("/usr/bin/id", "_appliance")).Succeeded, "nothing else was changed either");
    }
}
