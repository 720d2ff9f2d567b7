using System.Text;
using Appliance.Audit.Evidence;
using Appliance.Config;
using Appliance.Exec;
using Appliance.Provision.Apply;
using Appliance.Provision.Controls;
using Appliance.Provision.Targets;
using Appliance.Provision.Desired;
using Appliance.Provision.Firewall;
using AuditControl = Appliance.Audit.Evidence.ControlResult;
using Appliance.Backup;

namespace Appliance.Provision.AuditPack;

/// <summary>
/// Reads everything an audit pack needs from the live box: a fresh verify, the installed pf anchor
/// and the flows it passes, the provisioning journal, system facts, and the evidence the agent
/// exported into its data folder.
/// </summary>
public static class AuditInputsCollector
{
    public static async Task<AuditInputs> CollectAsync(ProvisioningSession session, AuditPeriod period, DateTimeOffset createdAt, CancellationToken ct,
        ReportLanguage? language = null) =>
        await CollectAsync(session, period, createdAt, await session.VerifyAsync(ct), ct, language);

    /// <param name="verify">a verify just run (the nightly job has one already)</param>
    /// <param name="language">the pack's language; null: appliance.yaml's privacy.report_language</param>
    public static async Task<AuditInputs> CollectAsync(ProvisioningSession session, AuditPeriod period, DateTimeOffset createdAt, VerifyReport verify, CancellationToken ct,
        ReportLanguage? language = null)
    {
        var target = session.Target;
        var config = session.Config;
        var layout = Layout.From(config);

        var controls = verify.Results
            .Select(r => new AuditControl(r.Control.Id, r.Control.Title, r.Control.Expected, r.Observed, r.Passed, r.CheckedAt)
            {
                ReadBack = r.Control.ReadBack, Measures = [.. r.Control.Measures.Select(m => m.Id)],
            })
            .ToList();

        var anchor = await target.ReadFileAsync(Layout.AnchorFile, ct) is { } bytes ? Encoding.UTF8.GetString(bytes) : "";
        var loaded = await Run(target, PfRulesLoaded.Show(Layout.AnchorName), ct);
        var matrix = Matrix(config, loaded);

        var journal = (await Journal.ReadAsync(target, ct))
            .Select(j => new ProvisioningRun(j.StartedAt, j.User, j.Host, j.Generation ?? 0, j.Action, j.Note ?? ApplyResultNames.Name(j.Outcome), j.Error,
                // A journal line written without steps (by hand, or by an older provisioner) is still a run.
                [.. (j.Steps ?? []).Select(s => new RunStep(s.Resource, s.Step, s.Succeeded, s.Detail))]))
            .ToList();

        var agentFile = layout.Data + "/" + AgentEvidence.RelativePath;
        var agent = await target.ReadFileAsync(agentFile, ct) is { } json
            ? AgentEvidence.Parse(Encoding.UTF8.GetString(json))
            : AgentEvidence.None(ConfigNames.EnumValue(config.Privacy.QueryLog));

        return new AuditInputs
        {
            Config = config,
            System = await SystemFactsAsync(target, config, ct),
            Models = await ModelFactsAsync(session, layout, ct),
            // pf's status is the verify's own pf.enabled reading: one check, one parser.
            Network = new NetworkFacts(anchor, verify.Results.Any(r => r.Control.Id == ControlCatalogue.PfEnabledId && r.Passed), matrix),
            Controls = controls,
            Journal = journal,
            Backup = await BackupFactsAsync(target, config, ct),
            Usage = agent.Usage,
            Erasures = agent.Erasures,
            AgentEvidenceExportedAt = agent.IsNone ? null : agent.ExportedAt,
            QueryLogExcerpt = [.. agent.QueryLog.Where(e => InPeriod(e, period))],
            Period = period,
            CreatedAt = createdAt,
            Language = language,
            TimeZone = await TimeZoneAsync(target, ct),
        };
    }

    /// <summary>
    /// The newest backup, drill and failure, read exactly where and as the backup.recent and
    /// backup.restore-drill controls read them (the box's history and the destination's), so the
    /// pack's section and those controls cannot disagree.
    /// </summary>
    private static async Task<BackupFacts> BackupFactsAsync(Targets.ITarget target, ApplianceConfig config, CancellationToken ct)
    {
        if (config.Backup.Destination is not { } destination) return BackupFacts.NotConfigured;
        CommandResult read;
        try
        {
            read = await target.RunAsync(ControlCatalogue.BackupHistoryCheck(config), ct);
        }
        catch (CommandException)
        {
            return new BackupFacts(destination, null, null, null);
        }
        // cat fails when one history is missing (no drill yet, disk unplugged) but prints the others.
        var events = BackupHistory.Parse(read.StandardOutput);
        var backup = BackupHistory.LastSucceeded(events, BackupActivity.Backup);
        var failure = events.Where(e => e.Activity == BackupActivity.Backup && e.Outcome == BackupOutcome.Failed).MaxBy(e => e.At);
        return new BackupFacts(destination, Record(backup), Record(BackupHistory.LastSucceeded(events, BackupActivity.Verify, BackupActivity.Restore)),
            failure is not null && (backup is null || failure.At > backup.At) ? Record(failure) : null);
    }

    private static BackupRecord? Record(BackupEvent? e) => e is null ? null : new BackupRecord(e.Activity switch
    {
        BackupActivity.Backup => BackupRecordKind.Backup,
        BackupActivity.Verify => BackupRecordKind.Verify,
        _ => BackupRecordKind.Restore,
    }, e.At, e.Destination, e.Set, e.Bytes, e.Detail);

    /// <summary>
    /// The box's time zone, in which the pack shows every time. On the box itself (the nightly job,
    /// `--target local`) and for a sandbox standing in for a box on this machine, it is this
    /// machine's; over ssh, /etc/localtime's link names it (…/zoneinfo/Europe/Zurich). UTC when unknown.
    /// </summary>
    private static async Task<TimeZoneInfo> TimeZoneAsync(Targets.ITarget target, CancellationToken ct)
    {
        if (target is not SshTarget) return TimeZoneInfo.Local;
        var link = (await Run(target, Command.Of(MacTools.Readlink, "/etc/localtime"), ct)).Trim();
        var marker = link.IndexOf("zoneinfo/", StringComparison.Ordinal);
        if (marker < 0) return TimeZoneInfo.Utc;
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(link[(marker + "zoneinfo/".Length)..]);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return TimeZoneInfo.Utc;
        }
    }

    private static IReadOnlyList<FlowVerdict> Matrix(ApplianceConfig config, string loadedRules)
    {
        IReadOnlyList<PfRule> rules;
        try { rules = PfParser.Parse(loadedRules); }
        catch (FormatException) { rules = []; }
        return [.. FirewallMatrix.Cases(config).Select(c =>
        {
            var verdict = rules.Count == 0 ? null : PfEvaluator.Evaluate(rules, c.Packet);
            var inbound = c.Packet.Direction == PfDirection.In;
            return new FlowVerdict(inbound ? "ingress" : "egress",
                inbound ? c.Packet.Source.ToString() : "appliance", inbound ? "appliance" : c.Packet.Destination.ToString(),
                c.Packet.Protocol, c.Packet.DestinationPort, verdict?.Passes ?? false,
                verdict is null ? "no appliance rules loaded" : verdict.Rule?.ToString() ?? "no rule matched (pf default: pass)");
        })];
    }

    private static async Task<SystemFacts> SystemFactsAsync(Targets.ITarget target, ApplianceConfig config, CancellationToken ct)
    {
        var version = (await Run(target, Command.Of(MacTools.SwVers, "-productVersion"), ct)).Trim();
        var model = (await Run(target, Command.Of(MacTools.Sysctl, "-n", "hw.model"), ct)).Trim();
        var fileVault = (await Run(target, ControlCatalogue.FileVaultCheck, ct)).Trim();
        var sip = (await Run(target, ControlCatalogue.SipCheck, ct)).Trim();
        var hardware = $"{(model.Length == 0 ? "Mac" : model)}, {ConfigNames.EnumValue(config.Machine.Chip)}, {config.Machine.MemoryGb} GB (as configured)";
        return new SystemFacts(hardware, version.Length == 0 ? "unknown (sw_vers gave nothing)" : "macOS " + version,
            typeof(AuditInputsCollector).Assembly.GetName().Version?.ToString(3) ?? "unknown",
            fileVault.Length == 0 ? "unknown" : fileVault, sip.Length == 0 ? "unknown" : sip, target.IsSimulated);
    }

    private static async Task<IReadOnlyList<ModelFacts>> ModelFactsAsync(ProvisioningSession session, Layout layout, CancellationToken ct)
    {
        var models = new List<(string Role, ModelSpec Spec)> { ("chat", session.Config.Models.Chat), ("embedding", session.Config.Models.Embedding) };
        if (session.Config.Models.Reranker is { } reranker) models.Add(("reranker", reranker));
        var facts = new List<ModelFacts>();
        foreach (var (role, spec) in models)
        {
            var local = Path.Combine(session.ModelCache, Path.GetFileName(spec.File));
            var size = File.Exists(local) ? new FileInfo(local).Length : 0;
            var isTest = File.Exists(local) && await IsTestModelAsync(local, ct);
            facts.Add(new ModelFacts(role, spec.Name, layout.Model(spec), spec.Sha256.Hex, spec.Source?.ToString(), spec.License, size, isTest));
        }
        return facts;
    }

    /// <summary>The project's generated models say so in their metadata; reading the first kilobytes is enough.</summary>
    private static async Task<bool> IsTestModelAsync(string path, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        await using var stream = File.OpenRead(path);
        var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct);
        return Encoding.UTF8.GetString(buffer, 0, read).Contains("appliance.test_model", StringComparison.Ordinal);
    }

    /// <summary>Entries we cannot date are kept: leaving one out would break the excerpt's chain unnoticed.</summary>
    internal static bool InPeriod(ChainEntry entry, AuditPeriod period) =>
        Appliance.Audit.Pack.QueryLogChain.TimeOf(entry) is not { } at || period.Contains(at);

    private static async Task<string> Run(Targets.ITarget target, Command command, CancellationToken ct)
    {
        try
        {
            var result = await target.RunAsync(command, ct);
            return result.Succeeded ? result.StandardOutput : "";
        }
        catch (CommandException)
        {
            return "";
        }
    }
}
