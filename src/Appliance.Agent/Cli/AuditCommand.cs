using Appliance.Rag;
using System.CommandLine;
using System.Text.Json;
using Appliance.Agent.Audit;
using Appliance.Agent.Identity;
using Appliance.Audit.Evidence;
using Appliance.Config;

namespace Appliance.Agent.Cli;

/// <summary>`appliance audit export`: the agent's part of the audit pack, from its live stores, without the agent running.</summary>
internal static class AuditCommand
{
    public static Command Create()
    {
        var command = new Command("audit", "The agent's evidence for the signed audit pack (built by `provision audit pack`).");
        command.Subcommands.Add(Export());
        return command;
    }

    private static Command Export()
    {
        var config = ConfigOption.Create();
        var period = new Option<string?>("--period")
        {
            Description = "the days to cover, as yyyy-MM-dd..yyyy-MM-dd (default: the retention window, privacy.retention_days up to today)",
        };
        var output = new Option<FileInfo?>("--out", "-o") { Description = $"where to write it (default: DATA/{AgentEvidence.RelativePath}, where the pack looks)" };
        var json = new Option<bool>("--json") { Description = "print a machine-readable summary" };
        var export = new Command("export", $"""
            Count what the agent did, from its query log, security events and erasure log: queries per
            day, collection and role (never their text), how they ended, sign-ins and failures,
            lockouts, access denials, retention purges, the erasure log (who, when, content hash),
            and the query-log chain of the period with its verification. Written atomically; the
            running agent does the same at start, every hour and before a DPO download, so this verb
            is for a stopped agent or a custom period. On the box run it as the agent's account
            (sudo -u _appliance), so every file in the data folder stays the agent's.
            Exit codes: 0 written, 1 the query-log chain is broken (written anyway), 2 nothing to read.
            """) { config, period, output, json };
        export.SetAction(async (parse, ct) =>
        {
            if (ConfigOption.Load(parse.GetValue(config)!) is not var (cfg, dir)) return 2;
            AuditPeriod? window = null;
            try
            {
                if (parse.GetValue(period) is { } text) window = AuditPeriod.Parse(text);
            }
            catch (FormatException e)
            {
                Console.Error.WriteLine($"appliance audit export: --period {e.Message}");
                return 2;
            }
            var data = ConfigPaths.DataFolder(cfg, dir);
            var queryLogFile = Path.Combine(data, "querylog.db");
            var eventsFile = Path.Combine(data, SecurityEvents.FileName);
            foreach (var needed in new[] { queryLogFile, eventsFile })
            {
                if (File.Exists(needed)) continue;
                Console.Error.WriteLine($"appliance audit export: no {Path.GetFileName(needed)} in {data} (has the agent run yet?)");
                return 2;
            }

            using var library = await LibraryCommandLine.OpenAsync(cfg, dir, LibraryAccess.ReadOnly, ct);
            if (library is null) return 1;
            var identity = await IdentityStore.OpenAsync(Path.Combine(data, "agent.db"), TimeProvider.System, ct);
            var exporter = new EvidenceExport(cfg, data, QueryLog.OpenForReading(queryLogFile), SecurityEvents.OpenForReading(eventsFile),
                library, identity, TimeProvider.System);
            var evidence = await exporter.BuildAsync(window ?? exporter.DefaultPeriod(), ct);
            var file = parse.GetValue(output)?.FullName ?? exporter.FilePath;
            await EvidenceExport.WriteAsync(evidence, file, ct);

            var usage = evidence.Usage;
            var queries = usage.Queries.Sum(q => q.Count);
            var signIns = usage.SignIns.Where(s => s.Kind == SignInOutcomes.SignedIn).Sum(s => s.Count);
            var failures = usage.SignIns.Where(s => SignInOutcomes.IsFailure(s.Kind)).Sum(s => s.Count);
            var denials = usage.Denials.Sum(d => d.Count);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    file, exported_at = evidence.ExportedAt, period = evidence.Period, query_log_mode = evidence.QueryLogMode, queries,
                    sign_ins = signIns, failed_sign_ins = failures, access_denials = denials, erasures = evidence.Erasures.Count,
                    chain_entries = evidence.QueryLog.Count, chain_intact = usage.QueryLogChain.Intact, chain_detail = usage.QueryLogChain.Detail,
                }, LibraryCommandLine.Json));
            }
            else
            {
                Console.WriteLine($"agent evidence written: {file}");
                Console.WriteLine($"  period {evidence.Period}: {queries} queries, {signIns} sign-ins, {failures} failed sign-ins, {denials} access denials, {evidence.Erasures.Count} erasures");
                Console.WriteLine($"  query-log chain: {usage.QueryLogChain.Detail} ({evidence.QueryLog.Count} entries in the period, question text: never; mode {evidence.QueryLogMode})");
            }
            return usage.QueryLogChain.Intact ? 0 : 1;
        });
        return export;
    }
}
