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
    RecordsOfProcessing RecordsOfProcessing,
    IReadOnlyList<Measure> Measures,
    DpiaScreening Dpia,
    AiActNotes AiAct,
    UsageSection Usage,
    IReadOnlyList<ErasureFact> Erasures,
    IReadOnlyList<string> Limitations);

public sealed record PackInfo(string Appliance, string Hostname, DateTimeOffset CreatedAt, string Period, string ApplianceVersion, string KeyFingerprint, bool Simulated);

public sealed record SystemSection(
    SystemFacts Facts, IReadOnlyList<ModelFacts> Models, InferenceDescription Inference, IReadOnlyList<StorageLocation> Storage);

public sealed record InferenceDescription(string Backend, string Threads, string GpuWiredLimitMb, int QueueLimit, IReadOnlyList<string> Upstreams);

public sealed record StorageLocation(string What, string Path, string Protection);

public sealed record DataFlowSection(IReadOnlyList<FlowStep> Steps, IReadOnlyList<string> CrossesTheNetwork, IReadOnlyList<string> NeverLeaves);

public sealed record FlowStep(int Order, string From, string To, string What, string Where);

public sealed record NetworkSection(
    string AnchorSha256, bool PfEnabled, IReadOnlyList<FlowVerdict> Matrix, IReadOnlyList<string> BrokenByDesign,
    string? UpdateWindow, bool EgressOutsideLanBlocked);

public sealed record ControlsSection(IReadOnlyList<ControlResult> Results, int Passed, int Failed, IReadOnlyList<JournalEntry> Journal, IReadOnlyList<string> Drift);

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
