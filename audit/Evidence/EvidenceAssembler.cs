using System.Security.Cryptography;
using System.Text;
using System.Globalization;
using Appliance.Audit.Text;
using Appliance.Config;

namespace Appliance.Audit.Evidence;

/// <summary>Derives every section of the audit pack from live inputs and the config.</summary>
public static class EvidenceAssembler
{
    public static AuditEvidence Assemble(AuditInputs inputs, string keyFingerprint)
    {
        var config = inputs.Config;
        var text = PackText.For(inputs.EffectiveLanguage, inputs.TimeZone);
        var controls = inputs.Controls.OrderBy(c => c.Id, StringComparer.Ordinal).ToList();
        var usage = Usage(inputs);
        return new AuditEvidence(
            new PackInfo(config.Appliance.Name, config.Appliance.Hostname, inputs.CreatedAt, inputs.Period.ToString(),
                inputs.System.ApplianceVersion, keyFingerprint, inputs.System.Simulated, text.Code, text.ZoneName),
            SystemDescription(inputs, text),
            DataFlow(config, text),
            Network(inputs, text),
            new ControlsSection(controls, controls.Count(c => c.Passed), controls.Count(c => !c.Passed),
                [.. inputs.Journal.Where(j => inputs.Period.Contains(j.At)).OrderBy(j => j.At).Select(Summary)],
                [.. controls.Where(c => !c.Passed).Select(c => text.Get("controls.drift", ("id", c.Id), ("expected", c.Expected), ("observed", c.Observed)))]),
            new BackupSection(inputs.Backup.Destination is not null, inputs.Backup.Destination, inputs.Backup.LastBackup, inputs.Backup.LastRestoreDrill, inputs.Backup.LastFailure),
            Processing(config, text),
            Measures(config, controls, usage, text),
            Dpia(config.Privacy.Dpia, text),
            AiAct(config, text),
            usage,
            [.. inputs.Erasures.Where(e => inputs.Period.Contains(e.At)).OrderBy(e => e.At).Select(e => DpoMaySee(config, e.Collection) ? e : e with { Path = null })],
            Limitations(inputs, text));
    }

    public static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>
    /// Whether an account with the DPO role may read the collection: only then does the erasure log
    /// name the document's path; otherwise the pack would tell the DPO what a folder they cannot
    /// read held, and the hash has to do.
    /// </summary>
    public static bool DpoMaySee(ApplianceConfig config, string collection) =>
        config.Rag.Collections.FirstOrDefault(c => c.Id == collection) is { } found
        && config.Auth.Users.Any(u => u.Roles.Contains(Role.Dpo) && u.Groups.Intersect(found.Groups, StringComparer.Ordinal).Any());

    /// <summary>A run in one line: the resources it changed and what failed; the steps stay in raw/journal.jsonl.</summary>
    private static JournalSummary Summary(ProvisioningRun run) => new(run.At, run.User, run.Host, run.Generation, run.Action, run.Outcome, run.Steps.Count,
        [.. run.Steps.Where(s => s.Succeeded && s.Resource.Length > 0).Select(s => s.Resource).Distinct(StringComparer.Ordinal)],
        [.. run.Steps.Where(s => !s.Succeeded).Select(s => $"{s.Step}: {s.Detail}"), .. run.Error is { } error && run.Steps.All(s => s.Succeeded) ? [error] : Array.Empty<string>()]);

    private static SystemSection SystemDescription(AuditInputs inputs, PackText text)
    {
        var config = inputs.Config;
        var inference = config.Inference;
        var root = config.Storage.Root;
        return new SystemSection(inputs.System, inputs.Models,
            new InferenceDescription(ConfigNames.EnumValue(inference.Backend), inference.Threads.ToConfigString(),
                inference.GpuWiredLimitMb.ToConfigString(), inference.QueueLimit, [.. inference.Upstreams.Select(u => u.ToString())]),
            [
                new(text["storage.config"], Path.Combine(root, "appliance.yaml"), text["storage.config.protection"]),
                new(text["storage.models"], Path.Combine(root, config.Storage.Models), text["storage.models.protection"]),
                new(text["storage.data"], Path.Combine(root, config.Storage.Data), text.Get("storage.data.protection", ("filevault", inputs.System.FileVaultStatus))),
                new(text["storage.packs"], Path.Combine(root, config.Storage.Data, Pack.PackShelf.RelativeFolder), text["storage.packs.protection"]),
                new(text["storage.key"], "/var/db/appliance/audit/audit-key", text["storage.key.protection"]),
            ]);
    }

    /// <summary>
    /// The one account of what moves where: the table, the list below it and the diagram are all
    /// drawn from this section, so they cannot say different things.
    /// </summary>
    private static DataFlowSection DataFlow(ApplianceConfig config, PackText text)
    {
        var sources = config.Rag.Collections.SelectMany(c => c.Sources).Distinct().ToList();
        var where = sources.Count == 0 ? text["flow.uploads-only"] : string.Join(", ", sources);
        var model = config.Inference.Backend == InferenceBackend.Llama
            ? text.Get("flow.model.local", ("model", config.Models.Chat.Name))
            : text.Get("flow.model.upstream", ("upstreams", string.Join(", ", config.Inference.Upstreams)));
        var subnets = string.Join(", ", config.Network.OfficeSubnets);
        return new DataFlowSection(
            [
                new(1, text["flow.node.sources"], text["flow.node.ingestion"], text["flow.step.1"], where),
                new(2, text["flow.node.ingestion"], text["flow.node.index"], text["flow.step.2"], config.Storage.Data),
                new(3, text["flow.node.employee"], text["flow.node.agent"], text["flow.step.3"], subnets),
                new(4, text["flow.node.index"], text["flow.node.retrieval"], text["flow.step.4"], text["flow.where.agent"]),
                new(5, text["flow.node.retrieval"], text["flow.node.model"], text["flow.step.5"], model),
                new(6, text["flow.node.model"], text["flow.node.employee"], text["flow.step.6"], text["flow.where.https"]),
                new(7, text["flow.node.agent"], text["flow.node.query-log"], text.Get("flow.step.7", ("mode", ConfigNames.EnumValue(config.Privacy.QueryLog))), config.Storage.Data),
            ],
            [
                text.Get("flow.crosses.https", ("subnets", subnets), ("port", config.Network.AgentPort.ToString(CultureInfo.InvariantCulture))),
                text.Get("flow.crosses.ssh", ("hosts", config.Network.AdminHosts.Count == 0 ? text["common.none"] : string.Join(", ", config.Network.AdminHosts))),
                text.Get("flow.crosses.dns-ntp", ("dns", string.Join(", ", config.Network.DnsServers)), ("ntp", string.Join(", ", config.Network.NtpServers))),
                .. config.Inference.Backend == InferenceBackend.OpenAi ? [text.Get("flow.crosses.upstream", ("upstreams", string.Join(", ", config.Inference.Upstreams)))] : Array.Empty<string>(),
            ],
            [text["flow.never.documents"], text["flow.never.questions"], text["flow.never.vectors"], text["flow.never.query-log"], text["flow.never.accounts"]]);
    }

    private static NetworkSection Network(AuditInputs inputs, PackText text)
    {
        var config = inputs.Config;
        var window = config.Network.UpdateWindow is { } w
            ? text.Get("network.window", ("day", text[$"day.{ConfigNames.EnumValue(w.Day)}"]), ("start", w.Start.ToString("HH\\:mm", CultureInfo.InvariantCulture)), ("minutes", w.DurationMinutes))
            : null;
        var egress = inputs.Network.Matrix.Where(f => f.Direction == "egress" && !IsLan(f.To, config)).ToList();
        string[] broken =
        [
            config.Network.UpdateWindow is null ? text["network.broken.updates.no-window"] : text["network.broken.updates"],
            text["network.broken.ocsp"], text["network.broken.icloud"], text["network.broken.bonjour"],
        ];
        return new NetworkSection(Sha256Hex(inputs.Network.AnchorText), inputs.Network.PfEnabled, inputs.Network.Matrix,
            broken, window, egress.Count > 0 && egress.All(f => !f.Pass) && inputs.Network.PfEnabled);
    }

    private static bool IsLan(string address, ApplianceConfig config) =>
        global::System.Net.IPAddress.TryParse(address, out var ip) && config.Network.OfficeSubnets.Any(s => s.Contains(ip));

    private static RecordsOfProcessing Processing(ApplianceConfig config, PackText text)
    {
        var privacy = config.Privacy;
        var categories = config.Rag.Collections
            .Select(c => new DataCategory(c.Id, c.Title, c.DataCategories.Count == 0 ? [text["ropa.categories.undeclared"]] : c.DataCategories, c.Groups))
            .ToList();
        var subjects = new List<string>
        {
            text.Get(config.Auth.Ldap is null ? "ropa.subjects.employees" : "ropa.subjects.employees-ldap", ("accounts", config.Auth.Users.Count)),
        };
        subjects.AddRange(config.Rag.Collections.Where(c => c.DataCategories.Count > 0)
            .Select(c => text.Get("ropa.subjects.named", ("collection", c.Title), ("categories", string.Join(", ", c.DataCategories)))));
        return new RecordsOfProcessing(
            privacy.Controller.Name, privacy.Controller.Contact, privacy.Controller.Address, privacy.Dpo.Name, privacy.Dpo.Contact,
            privacy.Purposes.Count == 0 ? [text["ropa.purpose.default"]] : privacy.Purposes,
            privacy.LegalBasis, categories, subjects,
            [text["ropa.recipients"], .. config.Rag.Collections.Select(c => text.Get("ropa.recipients.collection", ("collection", c.Title), ("groups", string.Join(", ", c.Groups))))],
            text["ropa.transfers"],
            [text.Get("ropa.retention.logs", ("days", privacy.RetentionDays)), text["ropa.retention.documents"], text["ropa.retention.evidence"]],
            text["ropa.security"]);
    }

    /// <summary>
    /// The Art. 32 table: one row per <see cref="Evidence.Measures"/> definition. A measure proved by live
    /// controls lists exactly the controls that name it (never an id prefix) and is verified only when
    /// there is at least one and all pass.
    /// </summary>
    private static IReadOnlyList<Measure> Measures(ApplianceConfig config, IReadOnlyList<ControlResult> controls, UsageSection usage, PackText text)
    {
        var chain = usage.QueryLogChain;
        var agentStatus = new Dictionary<MeasureDefinition, string>
        {
            [Evidence.Measures.CollectionAccess] = text["measure.status.enforced-tested"],
            [Evidence.Measures.Authentication] = text["measure.status.enforced"],
            [Evidence.Measures.QueryLog] = chain.Intact ? text["measure.status.verified"] : chain.Entries == 0 ? text["measure.status.no-chain"] : text["measure.status.chain-broken"],
            [Evidence.Measures.StorageLimitation] = text["measure.status.enforced"],
        };
        return [.. Evidence.Measures.All.Select(m =>
        {
            var linked = controls.Where(c => c.Measures.Contains(m.Id)).ToList();
            var status = m.ProvedBy == MeasureProof.AgentEvidence ? agentStatus[m]
                : linked.Count == 0 ? text["measure.status.no-control"]
                : linked.All(c => c.Passed) ? text["measure.status.verified"]
                : text.Get("measure.status.failing", ("controls", string.Join(", ", linked.Where(c => !c.Passed).Select(c => c.Id))));
            return new Measure(m.Id, text[$"measure.{m.Id}.title"], m.Art32Labels, Description(m, config, usage, text), [.. linked.Select(c => c.Id)], status);
        })];
    }

    private static string Description(MeasureDefinition measure, ApplianceConfig config, UsageSection usage, PackText text)
    {
        var key = $"measure.{measure.Id}.how";
        if (measure == Evidence.Measures.EncryptionAtRest) return text.Get(key, ("filevault", ConfigNames.EnumValue(config.System.Filevault)));
        if (measure == Evidence.Measures.AdministrativeAccess) return text.Get(key, ("key_only", text.YesNo(config.System.Ssh.KeyOnly)));
        if (measure == Evidence.Measures.CollectionAccess) return text.Get(key, ("collections", config.Rag.Collections.Count), ("denials", usage.AccessDenials));
        if (measure == Evidence.Measures.Authentication)
            return text.Get(key, ("attempts", config.Auth.Lockout.Attempts), ("minutes", config.Auth.Lockout.Minutes), ("failures", usage.LoginFailures), ("lockouts", usage.Lockouts));
        if (measure == Evidence.Measures.QueryLog)
            return text.Get(key, ("mode", ConfigNames.EnumValue(config.Privacy.QueryLog)),
                ("chain", text[usage.QueryLogChain.Intact ? "measure.chain.intact" : "measure.chain.broken"]), ("entries", usage.QueryLogChain.Entries));
        if (measure == Evidence.Measures.StorageLimitation) return text.Get(key, ("days", config.Privacy.RetentionDays));
        return text[key];
    }

    private static DpiaScreening Dpia(DpiaAnswers answers, PackText text)
    {
        (string Key, bool Answer)[] criteria =
        [
            ("special-categories", answers.SpecialCategories), ("systematic-monitoring", answers.SystematicMonitoring),
            ("automated-decisions", answers.AutomatedDecisions), ("large-scale", answers.LargeScale),
            ("employee-evaluation", answers.EmployeeEvaluation), ("new-technology", true),
        ];
        var questions = criteria.Select(c => new DpiaQuestion(text[$"dpia.{c.Key}"], text[$"dpia.{c.Key}.question"], c.Answer)).ToList();
        var met = questions.Count(q => q.Answer);
        var recommended = met >= 2;
        return new DpiaScreening(questions, met, recommended, text.Get(recommended ? "dpia.rationale.recommended" : "dpia.rationale.not-required", ("met", met)));
    }

    private static AiActNotes AiAct(ApplianceConfig config, PackText text)
    {
        var employment = config.Privacy.Dpia.EmployeeEvaluation || config.Privacy.Dpia.AutomatedDecisions;
        return new AiActNotes(
            text["aiact.role"],
            text[employment ? "aiact.risk.high" : "aiact.risk.not-high"],
            text[employment ? "aiact.rationale.high" : "aiact.rationale.not-high"],
            text["aiact.transparency"],
            text["aiact.literacy"],
            [text["aiact.changes.employment"], text["aiact.changes.services"], text["aiact.changes.upstream"], text["aiact.changes.special"]]);
    }

    private static UsageSection Usage(AuditInputs inputs)
    {
        var period = inputs.Period;
        bool In(DateOnly day) => day >= period.From && day <= period.To;
        var facts = inputs.Usage;
        var queries = facts.Queries.Where(q => In(q.Day))
            .OrderBy(q => q.Day).ThenBy(q => q.Collection, StringComparer.Ordinal).ThenBy(q => q.Role, StringComparer.Ordinal).ToList();
        var outcomes = Totals(facts.Outcomes.Where(o => In(o.Day)));
        var signIns = facts.SignIns.Where(s => In(s.Day)).OrderBy(s => s.Day).ThenBy(s => s.Kind, StringComparer.Ordinal).ToList();
        var denials = facts.Denials.Where(d => In(d.Day))
            .OrderBy(d => d.Day).ThenBy(d => d.Route, StringComparer.Ordinal).ThenBy(d => d.Reason, StringComparer.Ordinal).ToList();
        return new UsageSection(
            queries.Sum(q => q.Count), queries, outcomes,
            outcomes.Where(o => o.Kind is QueryOutcomes.Answered or QueryOutcomes.AnsweredFromNoDocument).Sum(o => o.Count),
            outcomes.Where(o => QueryOutcomes.IsRefusal(o.Kind)).Sum(o => o.Count),
            signIns.Where(s => s.Kind == SignInOutcomes.SignedIn).Sum(s => s.Count),
            signIns.Where(s => SignInOutcomes.IsFailure(s.Kind)).Sum(s => s.Count),
            signIns.Where(s => s.Kind == SignInOutcomes.Lockout).Sum(s => s.Count), signIns,
            denials.Sum(d => d.Count), denials,
            facts.QueryLogChain, [.. facts.Purges.Where(p => period.Contains(p.At)).OrderBy(p => p.At).ThenBy(p => p.Log, StringComparer.Ordinal)],
            ConfigNames.EnumValue(inputs.Config.Privacy.QueryLog), inputs.AgentEvidenceExportedAt);
    }

    private static List<KindTotal> Totals(IEnumerable<DailyCount> counts) =>
        [.. counts.GroupBy(c => c.Kind, StringComparer.Ordinal).Select(g => new KindTotal(g.Key, g.Sum(c => c.Count))).OrderBy(t => t.Kind, StringComparer.Ordinal)];

    private static IReadOnlyList<string> Limitations(AuditInputs inputs, PackText text)
    {
        var config = inputs.Config;
        var list = new List<string>();
        if (inputs.System.Simulated) list.Add(text["limits.simulated"]);
        list.Add(text[config.System.Filevault == FileVaultExpectation.Required ? "limits.filevault.required" : "limits.filevault.not-required"]);
        list.Add(text["limits.swap"]);
        list.Add(text[config.Network.UpdateWindow is null ? "limits.egress.no-window" : "limits.egress.window"]);
        if (inputs.AgentEvidenceExportedAt is not { } exported)
            list.Add(text["limits.no-agent-evidence"]);
        else if (inputs.CreatedAt - exported > TimeSpan.FromHours(26))
            list.Add(text.Get("limits.stale-agent-evidence", ("at", exported), ("hours", (int)(inputs.CreatedAt - exported).TotalHours)));
        if (inputs.Models.Any(m => m.IsTestModel)) list.Add(text["limits.test-models"]);
        list.Add(text["limits.model-errors"]);
        return list;
    }
}
