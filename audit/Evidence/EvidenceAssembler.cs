using System.Security.Cryptography;
using System.Text;
using Appliance.Config;

namespace Appliance.Audit.Evidence;

/// <summary>Derives every section of the audit pack from live inputs and the config.</summary>
public static class EvidenceAssembler
{
    public static AuditEvidence Assemble(AuditInputs inputs, string keyFingerprint)
    {
        var config = inputs.Config;
        var controls = inputs.Controls.OrderBy(c => c.Id, StringComparer.Ordinal).ToList();
        var usage = Usage(inputs);
        return new AuditEvidence(
            new PackInfo(config.Appliance.Name, config.Appliance.Hostname, inputs.CreatedAt, inputs.Period.ToString(),
                inputs.System.ApplianceVersion, keyFingerprint, inputs.System.Simulated),
            SystemDescription(inputs),
            DataFlow(config),
            Network(inputs),
            new ControlsSection(controls, controls.Count(c => c.Passed), controls.Count(c => !c.Passed),
                [.. inputs.Journal.Where(j => inputs.Period.Contains(j.At)).OrderBy(j => j.At)],
                [.. controls.Where(c => !c.Passed).Select(c => $"{c.Id}: expected {c.Expected}, observed {c.Observed}")]),
            Processing(config),
            Measures(config, controls, usage),
            Dpia(config.Privacy.Dpia),
            AiAct(config),
            usage,
            [.. inputs.Erasures.Where(e => inputs.Period.Contains(e.At)).OrderBy(e => e.At)],
            Limitations(inputs));
    }

    public static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static SystemSection SystemDescription(AuditInputs inputs)
    {
        var config = inputs.Config;
        var inference = config.Inference;
        var root = config.Storage.Root;
        return new SystemSection(inputs.System, inputs.Models,
            new InferenceDescription(ConfigNames.EnumValue(inference.Backend), inference.Threads.ToConfigString(),
                inference.GpuWiredLimitMb.ToConfigString(), inference.QueueLimit, [.. inference.Upstreams.Select(u => u.ToString())]),
            [
                new("configuration", Path.Combine(root, "appliance.yaml"), "root-owned, readable by the agent's role account"),
                new("models", Path.Combine(root, config.Storage.Models), "pinned by SHA-256, verified at every start"),
                new("document index, query log, security events, users", Path.Combine(root, config.Storage.Data), $"owned by the role account _appliance; Spotlight excluded; FileVault: {inputs.System.FileVaultStatus}"),
                new("signed audit packs", Path.Combine(root, config.Storage.Data, Pack.PackShelf.RelativeFolder), "written nightly by root; the agent may read them (DPO download), not change them"),
                new("audit signing key", "/var/db/appliance/audit/audit-key", "readable by root only; its fingerprint is in every pack and in the provisioning journal"),
            ]);
    }

    private static DataFlowSection DataFlow(ApplianceConfig config)
    {
        var sources = config.Rag.Collections.SelectMany(c => c.Sources).Distinct().ToList();
        var where = sources.Count == 0 ? "uploads only" : string.Join(", ", sources);
        var model = config.Inference.Backend == InferenceBackend.Llama
            ? $"local model {config.Models.Chat.Name} in the agent process (llama.cpp)"
            : $"OpenAI-compatible upstream on the LAN: {string.Join(", ", config.Inference.Upstreams)}";
        return new DataFlowSection(
            [
                new(1, "document sources", "ingestion", "files are read, text extracted with page and section", where),
                new(2, "ingestion", "index", "chunks, BM25 terms and embedding vectors stored with their collection's groups", config.Storage.Data),
                new(3, "employee", "agent", "question over HTTPS from an office subnet", string.Join(", ", config.Network.OfficeSubnets)),
                new(4, "index", "retrieval", "only chunks of collections the employee's groups may read, filtered before ranking", "agent process"),
                new(5, "retrieval", "model", "question and retrieved passages as a prompt", model),
                new(6, "model", "employee", "answer with numbered citations to document, page and section", "HTTPS response"),
                new(7, "agent", "query log", $"user, time, route, document ids, token counts; question text: {ConfigNames.EnumValue(config.Privacy.QueryLog)}", config.Storage.Data),
            ],
            [
                $"HTTPS between office clients ({string.Join(", ", config.Network.OfficeSubnets)}) and the agent on port {config.Network.AgentPort}",
                $"SSH from admin hosts ({(config.Network.AdminHosts.Count == 0 ? "none" : string.Join(", ", config.Network.AdminHosts))})",
                $"DNS to {string.Join(", ", config.Network.DnsServers)} and NTP to {string.Join(", ", config.Network.NtpServers)} (LAN only)",
                .. config.Inference.Backend == InferenceBackend.OpenAi ? [$"prompts to the configured LAN upstream(s) {string.Join(", ", config.Inference.Upstreams)}"] : Array.Empty<string>(),
            ],
            ["documents and their text", "questions and answers", "embedding vectors", "the query log", "user accounts and password hashes"]);
    }

    private static NetworkSection Network(AuditInputs inputs)
    {
        var window = inputs.Config.Network.UpdateWindow is { } w
            ? $"{ConfigNames.EnumValue(w.Day)} {w.Start:HH\\:mm} for {w.DurationMinutes} minutes"
            : null;
        var egress = inputs.Network.Matrix.Where(f => f.Direction == "egress" && !IsLan(f.To, inputs.Config)).ToList();
        return new NetworkSection(Sha256Hex(inputs.Network.AnchorText), inputs.Network.PfEnabled, inputs.Network.Matrix,
            inputs.Network.BrokenByDesign, window, egress.Count > 0 && egress.All(f => !f.Pass) && inputs.Network.PfEnabled);
    }

    private static bool IsLan(string address, ApplianceConfig config) =>
        global::System.Net.IPAddress.TryParse(address, out var ip) && config.Network.OfficeSubnets.Any(s => s.Contains(ip));

    private static RecordsOfProcessing Processing(ApplianceConfig config)
    {
        var privacy = config.Privacy;
        var categories = config.Rag.Collections
            .Select(c => new DataCategory(c.Id, c.Title, c.DataCategories.Count == 0 ? ["not declared in appliance.yaml"] : c.DataCategories, c.Groups))
            .ToList();
        var subjects = new List<string> { $"employees using the appliance ({config.Auth.Users.Count} local accounts{(config.Auth.Ldap is null ? "" : " plus directory accounts")})" };
        subjects.AddRange(config.Rag.Collections.Where(c => c.DataCategories.Count > 0)
            .Select(c => $"persons named in '{c.Title}' ({string.Join(", ", c.DataCategories)})"));
        return new RecordsOfProcessing(
            privacy.Controller.Name, privacy.Controller.Contact, privacy.Controller.Address, privacy.Dpo.Name, privacy.Dpo.Contact,
            privacy.Purposes.Count == 0 ? ["answering staff questions about office documents"] : privacy.Purposes,
            privacy.LegalBasis, categories, subjects,
            ["none outside the controller: answers go only to signed-in employees whose groups may read the cited collection",
             .. config.Rag.Collections.Select(c => $"{c.Title}: groups {string.Join(", ", c.Groups)}")],
            "none: the firewall blocks egress outside the LAN (see Network evidence); no cloud service is used",
            [$"query log and security events (sign-ins, access denials): {privacy.RetentionDays} days, then purged (a query-log purge is recorded in the hash chain; every purge is counted in the usage evidence)",
             "documents: as long as they are in their source folder; a vanished or deleted document is erased from the index with secure_delete and an erasure record",
             "erasure records and audit packs: kept by the controller as accountability evidence"],
            "see Technical and organisational measures (Art. 32)");
    }

    /// <summary>
    /// The Art. 32 table: one row per <see cref="Evidence.Measures"/> definition. A measure proved by live
    /// controls lists exactly the controls that name it (never an id prefix) and is verified only when
    /// there is at least one and all pass.
    /// </summary>
    private static IReadOnlyList<Measure> Measures(ApplianceConfig config, IReadOnlyList<ControlResult> controls, UsageSection usage)
    {
        var chain = usage.QueryLogChain;
        var agentStatus = new Dictionary<MeasureDefinition, string>
        {
            [Evidence.Measures.CollectionAccess] = "enforced by the agent (tested on every build)",
            [Evidence.Measures.Authentication] = "enforced by the agent",
            [Evidence.Measures.QueryLog] = chain.Intact ? "verified" : chain.Entries == 0 ? "no query-log evidence from the agent yet" : "FAILING: chain broken",
            [Evidence.Measures.StorageLimitation] = "enforced by the agent",
        };
        return [.. Evidence.Measures.All.Select(m =>
        {
            var linked = controls.Where(c => c.Measures.Contains(m.Id)).ToList();
            var status = m.ProvedBy == MeasureProof.AgentEvidence ? agentStatus[m]
                : linked.Count == 0 ? "no live control linked"
                : linked.All(c => c.Passed) ? "verified"
                : "FAILING: " + string.Join(", ", linked.Where(c => !c.Passed).Select(c => c.Id));
            return new Measure(m.Id, m.Title, m.Art32Labels, Description(m, config, usage), [.. linked.Select(c => c.Id)], status);
        })];
    }

    private static string Description(MeasureDefinition measure, ApplianceConfig config, UsageSection usage) => new Dictionary<MeasureDefinition, string>
    {
        [Evidence.Measures.NetworkIsolation] = "pf blocks all egress except LAN DNS/NTP; the agent is reachable from the office subnets only; pf is enabled at boot by a LaunchDaemon; every flow in the network evidence is evaluated against the loaded rules",
        [Evidence.Measures.EncryptionAtRest] = $"FileVault expected: {ConfigNames.EnumValue(config.System.Filevault)}; swap is encrypted by macOS",
        [Evidence.Measures.LeastPrivilege] = "the agent runs as the hidden role account _appliance with no shell; data and collection folders owned by it, readable by no one else",
        [Evidence.Measures.AdministrativeAccess] = $"SSH key-only: {config.System.Ssh.KeyOnly}; from admin hosts only; application firewall stealth mode",
        [Evidence.Measures.CollectionAccess] = $"every retrieval is filtered by the caller's groups before ranking; {config.Rag.Collections.Count} collections with explicit groups; {usage.AccessDenials} denials recorded in the period",
        [Evidence.Measures.Authentication] = $"PBKDF2 password hashes, API tokens stored hashed, lockout after {config.Auth.Lockout.Attempts} failures for {config.Auth.Lockout.Minutes} min; {usage.LoginFailures} failed sign-ins and {usage.Lockouts} lockouts in the period",
        [Evidence.Measures.QueryLog] = $"question text mode: {ConfigNames.EnumValue(config.Privacy.QueryLog)}; entries hash-chained, each question only as a salted commitment in the chain (so an excerpt never reveals it); chain {(usage.QueryLogChain.Intact ? "verified intact" : "BROKEN")} over {usage.QueryLogChain.Entries} entries",
        [Evidence.Measures.StorageLimitation] = $"query log retention {config.Privacy.RetentionDays} days; document deletion removes chunks, vectors and index rows in one transaction with secure_delete and writes an erasure record",
        [Evidence.Measures.Availability] = "never sleeps, restarts after power loss, agent kept alive by launchd, GPU wired limit sized to avoid swapping, memory pressure monitored, configuration drift verified nightly",
        [Evidence.Measures.ModelsPinned] = "model files are pinned by SHA-256 and verified before loading",
        [Evidence.Measures.PlatformIntegrity] = "System Integrity Protection on; Spotlight does not index the data volume",
    }[measure];

    private static DpiaScreening Dpia(DpiaAnswers answers)
    {
        DpiaQuestion[] questions =
        [
            new("special categories", "Are special categories of personal data (Art. 9) or data on criminal convictions processed?", answers.SpecialCategories),
            new("systematic monitoring", "Does the processing systematically monitor people (e.g. employees' behaviour)?", answers.SystematicMonitoring),
            new("automated decisions", "Are decisions with legal or similarly significant effect taken automatically?", answers.AutomatedDecisions),
            new("large scale", "Is the processing large-scale (many data subjects, high volume, wide geography)?", answers.LargeScale),
            new("employee evaluation", "Is the system used to evaluate or score employees or applicants?", answers.EmployeeEvaluation),
            new("new technology", "Is an innovative technology used (a generative language model)?", true),
        ];
        var met = questions.Count(q => q.Answer);
        var recommended = met >= 2;
        return new DpiaScreening(questions, met, recommended,
            recommended
                ? $"{met} criteria of the EDPB list are met (two or more usually require a DPIA under Art. 35): carry out and document a DPIA before use."
                : $"{met} criterion met: a full DPIA is not normally required; keep this screening with the records of processing and repeat it when the configuration changes.");
    }

    private static AiActNotes AiAct(ApplianceConfig config)
    {
        var employment = config.Privacy.Dpia.EmployeeEvaluation || config.Privacy.Dpia.AutomatedDecisions;
        return new AiActNotes(
            "deployer (the office uses a general-purpose model under its own authority)",
            employment ? "potentially HIGH-RISK (Annex III point 4: employment)" : "not high-risk as configured",
            employment
                ? "the configuration declares use for employee evaluation or automated decisions: Annex III point 4 applies; the deployer obligations of Art. 26 (human oversight, logging, information of workers) must be met."
                : "the appliance retrieves and summarises the office's own documents for staff; it takes no decisions about people and is not used in an Annex III area.",
            "the web page states on every answer that it is AI-generated and shows its sources (Art. 50); test models are labelled as producing meaningless text",
            "staff using the appliance must have sufficient AI literacy (Art. 4): the controller should record a short briefing on what the model can and cannot do",
            ["use for hiring, promotion, evaluation or dismissal decisions (Annex III point 4)", "use to decide on access to essential services or benefits", "connecting an upstream model outside the controller's premises", "adding collections with special-category data without updating the DPIA"]);
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

    private static IReadOnlyList<string> Limitations(AuditInputs inputs)
    {
        var config = inputs.Config;
        var list = new List<string>();
        if (inputs.System.Simulated)
            list.Add("SIMULATED: the system facts and controls in this pack were read from the provisioner's simulated macOS (sandbox target), not from a real Mac. They prove the provisioning logic, not the state of a machine.");
        if (config.System.Filevault == FileVaultExpectation.Required)
            list.Add("FileVault is required: after a power cut the Data volume stays locked until someone unlocks it, so the appliance does not come back unattended (fdesetup authrestart covers planned restarts only).");
        else
            list.Add("FileVault is not required: the box restarts unattended after a power cut, but data at rest is not encrypted by FileVault.");
        list.Add("Swap cannot be disabled while SIP is on; the GPU wired limit and model budget are sized to avoid swapping, and swap is encrypted by macOS.");
        list.Add("With egress blocked, Apple services stop working: software updates, OCSP/notarisation checks, iCloud, Bonjour beyond the LAN" +
                 (config.Network.UpdateWindow is null ? "; no update window is configured, so updates need a manual change." : "; egress opens only during the configured update window."));
        if (inputs.AgentEvidenceExportedAt is not { } exported)
            list.Add("The agent had exported no usage evidence when this pack was built: the usage and erasure sections are empty, not zero.");
        else if (inputs.CreatedAt - exported > TimeSpan.FromHours(26))
            list.Add($"The agent's usage evidence was exported {exported.UtcDateTime:yyyy-MM-dd HH:mm} UTC, {(int)(inputs.CreatedAt - exported).TotalHours} hours before this pack: later usage is not in it (was the agent stopped?).");
        if (inputs.Models.Any(m => m.IsTestModel))
            list.Add("The configured models are generated test models: their answers are meaningless text. This pack documents the system, not answer quality.");
        list.Add("Answers of a language model can be wrong; the citations let staff check every statement against its source.");
        return list;
    }
}
