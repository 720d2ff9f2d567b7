using System.Text;
using Appliance.Exec;
using Appliance.Provision.Apply;
using Appliance.Provision.Controls;
using Appliance.Provision.Desired;

namespace Appliance.Provision.Tests;

/// <summary>The "done when" walk-through, shared by the sandbox and the ssh target tests.</summary>
public sealed class Scenario(TestBox box, string target, string? sshConfig = null)
{
    public async Task<(Plan Plan, ApplyOutcome Outcome)> ApplyAsync()
    {
        await using var session = await box.OpenAsync(target, sshConfig);
        var plan = await session.PlanAsync(CancellationToken.None);
        return (plan, await session.ApplyAsync(plan, null, CancellationToken.None));
    }

    public async Task<Plan> PlanAsync()
    {
        await using var session = await box.OpenAsync(target, sshConfig);
        return await session.PlanAsync(CancellationToken.None);
    }

    public async Task<VerifyReport> VerifyAsync()
    {
        await using var session = await box.OpenAsync(target, sshConfig);
        return await session.VerifyAsync(CancellationToken.None);
    }

    public async Task<ApplyOutcome> RollbackAsync(int? to)
    {
        await using var session = await box.OpenAsync(target, sshConfig);
        var (previous, generation) = await session.ForGenerationAsync(to, CancellationToken.None);
        var plan = await previous.PlanAsync(CancellationToken.None);
        return await previous.RollbackAsync(generation.Number, plan, null, CancellationToken.None);
    }

    public async Task<CommandResult> MacAsync(string program, params string[] arguments)
    {
        await using var session = await box.OpenAsync(target, sshConfig);
        return await session.Target.RunAsync(Command.Of(program, arguments), CancellationToken.None);
    }

    public async Task<string?> ReadAsync(string path)
    {
        await using var session = await box.OpenAsync(target, sshConfig);
        var bytes = await session.Target.ReadFileAsync(path, CancellationToken.None);
        return bytes is null ? null : Encoding.UTF8.GetString(bytes);
    }

    public async Task WriteAsync(string path, string text)
    {
        await using var session = await box.OpenAsync(target, sshConfig);
        await session.Target.WriteFileAsync(path, Encoding.UTF8.GetBytes(text), CancellationToken.None);
    }

    public async Task<IReadOnlyList<JournalEntry>> JournalAsync()
    {
        await using var session = await box.OpenAsync(target, sshConfig);
        return await Journal.ReadAsync(session.Target, CancellationToken.None);
    }

    public async Task<StateRecord> RecordAsync()
    {
        await using var session = await box.OpenAsync(target, sshConfig);
        return await StateRecord.LoadAsync(session.Target, CancellationToken.None);
    }

    public static string[] Failed(VerifyReport report) => [.. report.Results.Where(r => !r.Passed).Select(r => r.Control.Id)];

    /// <summary>Drift behind the tool's back fails exactly one control; apply repairs it.</summary>
    public async Task DriftIsCaughtAndRepairedAsync(string controlId, Func<Task> drift)
    {
        await drift();
        var report = await VerifyAsync();
        Assert.Equal([controlId], Failed(report));
        var (plan, outcome) = await ApplyAsync();
        Assert.True(outcome.Succeeded, outcome.Journal.Error);
        Assert.Equal([controlId], plan.Pending.SelectMany(c => c.Failing).Select(f => f.Control.Id).Distinct());
    }

    /// <param name="afterFirstApply">More checks on the freshly applied box, given the first plan.</param>
    public async Task RunDoneWhenAsync(Func<Plan, Task>? afterFirstApply = null)
    {
        // Apply from nothing.
        var (first, applied) = await ApplyAsync();
        Assert.True(first.HasChanges);
        Assert.True(applied.Succeeded, applied.Journal.Error);
        Assert.Equal(1, applied.Journal.Generation);
        Assert.Empty(Failed(await VerifyAsync()));
        if (afterFirstApply is not null) await afterFirstApply(first);

        // A second apply plans and changes nothing.
        var (second, again) = await ApplyAsync();
        Assert.False(second.HasChanges);
        Assert.Equal(ApplyResult.NoChanges, again.Journal.Outcome);
        Assert.Empty(again.Journal.Steps);

        // Drift, one control at a time.
        var pfConf = (await ReadAsync(Layout.PfConf))!;
        await DriftIsCaughtAndRepairedAsync("pf.conf.anchor", () =>
            WriteAsync(Layout.PfConf, string.Join('\n', pfConf.Split('\n').Where(l => !l.Contains("com.appliance")))));
        await DriftIsCaughtAndRepairedAsync("pf.enabled", async () => (await MacAsync("/sbin/pfctl", "-d")).EnsureSuccess());
        await DriftIsCaughtAndRepairedAsync("launchd.com.appliance.agent.plist", async () =>
            (await MacAsync("/bin/chmod", "666", "/Library/LaunchDaemons/com.appliance.agent.plist")).EnsureSuccess());
        Assert.Empty(Failed(await VerifyAsync()));
        var references = await MacAsync("/sbin/pfctl", "-s", "References");
        Assert.Single(references.StandardOutput.Split('\n'), l => l.Contains("pfctl", StringComparison.Ordinal));

        // A new config (name and agent port) becomes generation 2: the loaded agent job is replaced
        // (bootout, wait until launchd lets go, bootstrap) and the firewall reloaded.
        var original = await File.ReadAllTextAsync(box.ConfigFile);
        var anchorBefore = await ReadAsync(Layout.AnchorFile);
        box.WriteConfig(original.Replace("agent_port: 8443", "agent_port: 9443").Replace("Kanzlei-KI", "Kanzlei-Assistent"));
        var before = (await RecordAsync()).Current!.Number;
        var (changed, second2) = await ApplyAsync();
        Assert.True(second2.Succeeded, second2.Journal.Error);
        Assert.Equal(before + 1, second2.Journal.Generation);
        Assert.Contains(second2.Journal.Steps, s => s.Step.StartsWith("wait until", StringComparison.Ordinal) && s.Succeeded);
        Assert.Contains(changed.Pending, c => c.Resource == "pf rules");
        Assert.Contains("port 9443", (await ReadAsync(Layout.AnchorFile))!);
        Assert.Empty(Failed(await VerifyAsync()));

        // Rollback restores the previous generation and records itself as a new one.
        var rolledBack = await RollbackAsync(null);
        Assert.True(rolledBack.Succeeded, rolledBack.Journal.Error);
        Assert.Equal(before + 2, rolledBack.Journal.Generation);
        Assert.Equal("rollback", rolledBack.Journal.Action);
        Assert.Equal(before, rolledBack.Record.Current!.RollbackOf);
        Assert.Equal(anchorBefore, await ReadAsync(Layout.AnchorFile));
        box.WriteConfig(original);
        Assert.Empty(Failed(await VerifyAsync()));

        // Removing a collection and a model removes what was created for them.
        var without = original.Replace(
            "    - id: hr\n      title: Personnel files\n      sources: [\"/Users/Shared/Kanzlei/Personal\"]\n      groups: [hr]\n      data_categories: [employee records, salary data, health certificates]\n", "");
        without = without[..without.IndexOf("  reranker:", StringComparison.Ordinal)] + without[without.IndexOf("\ninference:", StringComparison.Ordinal)..];
        Assert.NotEqual(original.Length, without.Length);
        box.WriteConfig(without);
        var (removal, removed) = await ApplyAsync();
        Assert.True(removed.Succeeded, removed.Journal.Error);
        var deletions = removal.Pending.Where(c => c.Kind == ChangeKind.Delete).Select(c => c.Resource).Order().ToArray();
        Assert.Equal(
            ["directory /Library/Application Support/Appliance/data.noindex/collections/hr", "file /Library/Application Support/Appliance/models/rerank.gguf"],
            deletions);
        Assert.Null(await ReadAsync("/Library/Application Support/Appliance/models/rerank.gguf"));
        Assert.DoesNotContain((await RecordAsync()).Owned, o => o.Path.EndsWith("/hr", StringComparison.Ordinal) || o.Path.EndsWith("rerank.gguf", StringComparison.Ordinal));
        Assert.Empty(Failed(await VerifyAsync()));
        Assert.False((await PlanAsync()).HasChanges);

        // The journal has every apply with who, where, when and each step.
        var journal = await JournalAsync();
        Assert.Equal([ApplyResult.Applied, ApplyResult.NoChanges, ApplyResult.Applied, ApplyResult.Applied, ApplyResult.Applied, ApplyResult.Applied, ApplyResult.Applied, ApplyResult.Applied], journal.Select(j => j.Outcome));
        Assert.All(journal, j => Assert.False(string.IsNullOrEmpty(j.User + j.Host)));
    }
}
