using System.Text.Json;
using Appliance.Agent.Audit;
using Appliance.Agent.Identity;
using Appliance.Audit.Evidence;
using Appliance.Audit.Pack;
using Appliance.Config;

namespace Appliance.Agent.Tests;

/// <summary>`appliance audit export` run as a process against the stores a stopped agent left behind.</summary>
public sealed class EvidenceExportCommandTests : IDisposable
{
    private readonly TestOffice _office = TestOffice.Create(queryLog: "hashed");

    [Fact]
    public async Task Export_counts_the_stores_writes_the_file_the_pack_reads_and_keeps_questions_out()
    {
        var data = _office.DataFolder;
        var identity = await IdentityStore.OpenAsync(Path.Combine(data, "agent.db"), TimeProvider.System, CancellationToken.None);
        await identity.SyncFromConfigAsync(_office.Config.Auth, CancellationToken.None);
        var log = await QueryLog.OpenAsync(Path.Combine(data, "querylog.db"),
            QuestionProtection.Load(QueryLogMode.Hashed, Path.Combine(data, "querylog.key")), TimeProvider.System, CancellationToken.None);
        await log.AppendAsync(new QueryRecord("emil", "/api/ask", "Is the flamingo parking rule still valid?", [], 10, 3, TimeSpan.FromMilliseconds(90), 200), CancellationToken.None);
        await log.AppendAsync(new QueryRecord("dora", "/api/ask", "Who approved the flamingo budget?", [], 0, 0, TimeSpan.FromMilliseconds(5), 429), CancellationToken.None);
        await log.AppendAsync(new QueryRecord("someone-gone", "/v1/chat/completions", "flamingo", [], 4, 1, TimeSpan.FromMilliseconds(50), 200), CancellationToken.None);
        var events = await SecurityEvents.OpenAsync(Path.Combine(data, SecurityEvents.FileName), TimeProvider.System, CancellationToken.None);
        await events.RecordSignInAsync("emil", SignInOutcomes.SignedIn, CancellationToken.None);
        await events.RecordSignInAsync(SecurityEvents.Unknown, SignInOutcomes.UnknownUser, CancellationToken.None);
        await events.RecordDenialAsync("emil", "/api/audit/log", "403 role does not allow it", CancellationToken.None);

        var result = await AgentProgram.RunAsync(null, "audit", "export", "-c", _office.ConfigFile, "--json");
        Assert.True(result.ExitCode == 0, result.StandardError);
        var summary = JsonDocument.Parse(result.StandardOutput).RootElement;
        Assert.Equal((3, 1, 1, 1, 3, true), (summary.GetProperty("queries").GetInt32(), summary.GetProperty("sign_ins").GetInt32(),
            summary.GetProperty("failed_sign_ins").GetInt32(), summary.GetProperty("access_denials").GetInt32(),
            summary.GetProperty("chain_entries").GetInt32(), summary.GetProperty("chain_intact").GetBoolean()));

        var file = Path.Combine(data, AgentEvidence.RelativePath);
        Assert.Equal(summary.GetProperty("file").GetString(), file);
        var text = File.ReadAllText(file);
        Assert.DoesNotContain("flamingo", text);
        Assert.DoesNotContain("hmac-sha256", text);
        var evidence = AgentEvidence.Parse(text);
        Assert.True(QueryLogChain.Verify(evidence.QueryLog).Intact);
        Assert.Equal(
            [(EvidenceExport.NoDocument, EvidenceExport.FormerAccount, 1), (EvidenceExport.NoDocument, "dpo+employee", 1), (EvidenceExport.NoDocument, "employee", 1)],
            evidence.Usage.Queries.Select(q => (q.Collection, q.Role, q.Count)));
        Assert.Equal([(QueryOutcomes.AnsweredFromNoDocument, 2), (QueryOutcomes.Busy, 1)], evidence.Usage.Outcomes.Select(o => (o.Kind, o.Count)));

        // A period and another file: for a custom look, the file the pack reads stays as it was.
        var custom = Path.Combine(_office.Folder, "january.json");
        var january = await AgentProgram.RunAsync(null, "audit", "export", "-c", _office.ConfigFile, "--period", "2026-01-01..2026-01-31", "--out", custom);
        Assert.True(january.ExitCode == 0, january.StandardError);
        Assert.Contains("0 queries", january.StandardOutput);
        Assert.Empty(AgentEvidence.Parse(File.ReadAllText(custom)).QueryLog);
        Assert.Equal(text, File.ReadAllText(file));
    }

    [Fact]
    public async Task A_bad_period_or_an_agent_that_never_ran_exit_2_with_the_reason()
    {
        var never = await AgentProgram.RunAsync(null, "audit", "export", "-c", _office.ConfigFile);
        Assert.Equal(2, never.ExitCode);
        Assert.Contains("has the agent run yet?", never.StandardError);
        var bad = await AgentProgram.RunAsync(null, "audit", "export", "-c", _office.ConfigFile, "--period", "2026-02-01..2026-01-01");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("FROM not after TO", bad.StandardError);
        Assert.False(File.Exists(Path.Combine(_office.DataFolder, AgentEvidence.RelativePath)));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _office.Dispose();
    }
}
