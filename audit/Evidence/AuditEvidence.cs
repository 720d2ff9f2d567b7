namespace Appliance.Audit.Evidence;

/// <summary>
/// The content of an audit pack, section by section. evidence.json is this record; index.html and
/// report.pdf render it. audit/evidence.schema.json describes its JSON form.
/// </summary>
public sealed record AuditEvidence(
    PackInfo Pack,
    SystemSection System,
    DataFlowSection DataFlow,
    NetworkSection Network,
    ControlsSection Controls,
    BackupSection Backup,
    RecordsOfProcessing RecordsOfProcessing,
    IReadOnlyList<Measure> Measures,
    DpiaScreening Dpia,
    AiActNotes AiAct,
    UsageSection Usage,
    IReadOnlyList<ErasureFact> Erasures,
    IReadOnlyList<string> Limitations);

/// <param name="Language">the language of the pack's text (en, de)</param>
/// <param name="TimeZone">the box's time zone (IANA name), in which index.html and report.pdf show every time</param>
public sealed record PackInfo(string Appliance, string Hostname, DateTimeOffset CreatedAt, string Period, string ApplianceVersion, string KeyFingerprint, bool Simulated,
    string Language, string TimeZone);

public sealed record SystemSection(
    SystemFacts Facts, IReadOnlyList<ModelFacts> Models, InferenceDescription Inference, IReadOnlyList<StorageLocation> Storage);

public sealed record InferenceDescription(string Backend, string Threads, string GpuWiredLimitMb, int QueueLimit, IReadOnlyList<string> Upstreams);

public sealed record StorageLocation(string What, string Path, string Protection);

public sealed record DataFlowSection(IReadOnlyList<FlowStep> Steps, IReadOnlyList<string> CrossesTheNetwork, IReadOnlyList<string> NeverLeaves);

public sealed record FlowStep(int Order, string From, string To, string What, string Where);

public sealed record NetworkSection(
    string AnchorSha256, bool PfEnabled, IReadOnlyList<FlowVerdict> Matrix, IReadOnlyList<string> BrokenByDesign,
    string? UpdateWindow, bool EgressOutsideLanBlocked);

public sealed record ControlsSection(IReadOnlyList<ControlResult> Results, int Passed, int Failed, IReadOnlyList<JournalSummary> Journal, IReadOnlyList<string> Drift);

/// <summary>One provisioning run in a line: its steps are in raw/journal.jsonl.</summary>
/// <param name="Changed">what the run changed (the resources of its successful steps), in order</param>
/// <param name="Failures">each failed step with its detail (or the run's error)</param>
public sealed record JournalSummary(DateTimeOffset At, string User, string Host, int Generation, string Action, string Outcome,
    int Steps, IReadOnlyList<string> Changed, IReadOnlyList<string> Failures);

/// <summary>Backups as the DPO needs them (Art. 32(1)(c)): where they go, the last that worked, the last read back.</summary>
/// <param name="Configured">backup.destination is set</param>
public sealed record BackupSection(bool Configured, string? Destination, BackupRecord? LastBackup, BackupRecord? LastRestoreDrill, BackupRecord? LastFailure);

public sealed record RecordsOfProcessing(
    string Controller, string ControllerContact, string? ControllerAddress, string Dpo, string DpoContact,
    IReadOnlyList<string> Purposes, string LegalBasis, IReadOnlyList<DataCategory> DataCategories,
    IReadOnlyList<string> DataSubjects, IReadOnlyList<string> Recipients, string Transfers,
    IReadOnlyList<string> Retention, string SecurityMeasures);

public sealed record DataCategory(string Collection, string Title, IReadOnlyList<string> Categories, IReadOnlyList<string> ReadableBy);

/// <summary>A technical or organisational measure (Art. 32) and the evidence that proves it.</summary>
/// <param name="Art32">the Art. 32(1) items it serves, e.g. "Art. 32(1)(b)"</param>
public sealed record Measure(string Id, string Title, IReadOnlyList<string> Art32, string Description, IReadOnlyList<string> EvidenceControls, string Status);

public sealed record DpiaScreening(IReadOnlyList<DpiaQuestion> Questions, int CriteriaMet, bool DpiaRecommended, string Rationale);

public sealed record DpiaQuestion(string Criterion, string Question, bool Answer);

public sealed record AiActNotes(string Role, string RiskClassification, string Rationale, string Transparency, string Literacy, IReadOnlyList<string> WhenItChanges);

/// <param name="EvidenceExportedAt">when the agent exported the counts (null: it never did, so the section is empty, not zero)</param>
public sealed record UsageSection(
    int TotalQueries, IReadOnlyList<UsageCount> Queries, IReadOnlyList<KindTotal> Outcomes, int Answered, int Refused,
    int Logins, int LoginFailures, int Lockouts, IReadOnlyList<DailyCount> SignIns,
    int AccessDenials, IReadOnlyList<DenialCount> Denials,
    ChainCheck QueryLogChain, IReadOnlyList<RetentionPurge> Purges, string QuestionTextMode, DateTimeOffset? EvidenceExportedAt)
{
    /// <summary>The one line a person reads first: what happened on the box in the period.</summary>
    public string Summary() => EvidenceExportedAt is null
        ? "usage: no agent evidence (the agent has exported none)"
        : $"usage: {TotalQueries} queries ({Answered} answered, {Refused} refused), {Logins} sign-ins, {LoginFailures} failed sign-ins, " +
          $"{Lockouts} lockouts, {AccessDenials} access denials, {Purges.Sum(p => p.EntriesRemoved)} entries purged by retention";
}
