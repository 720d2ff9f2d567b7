using Appliance.Config;

namespace Appliance.Audit.Evidence;

/// <summary>
/// Everything an audit pack is built from, gathered live from the box: the provisioner's read-back
/// and journal, the agent's query log and erasure log. Nothing here is prose someone typed.
/// </summary>
public sealed record AuditInputs
{
    public required ApplianceConfig Config { get; init; }
    public required SystemFacts System { get; init; }
    public required IReadOnlyList<ModelFacts> Models { get; init; }
    public required NetworkFacts Network { get; init; }
    public required IReadOnlyList<ControlResult> Controls { get; init; }
    /// <summary>Every provisioning run with its steps: the pack summarises them and keeps the steps in raw/journal.jsonl.</summary>
    public IReadOnlyList<ProvisioningRun> Journal { get; init; } = [];

    /// <summary>The backups and restore drills, as the backup.recent and backup.restore-drill controls read them.</summary>
    public BackupFacts Backup { get; init; } = BackupFacts.NotConfigured;
    public required UsageFacts Usage { get; init; }
    public IReadOnlyList<ErasureFact> Erasures { get; init; } = [];

    /// <summary>When the agent exported the usage and erasure evidence; null when it never did.</summary>
    public DateTimeOffset? AgentEvidenceExportedAt { get; init; }

    /// <summary>Query-log entries of the period, with their chain hashes, so a verifier can recompute the chain.</summary>
    public IReadOnlyList<ChainEntry> QueryLogExcerpt { get; init; } = [];

    public required AuditPeriod Period { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The pack's language; null: appliance.yaml's privacy.report_language.</summary>
    public ReportLanguage? Language { get; init; }

    /// <summary>The box's time zone: the pack shows every time in it.</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    public ReportLanguage EffectiveLanguage => Language ?? Config.Privacy.ReportLanguage;
}

public sealed record AuditPeriod(DateOnly From, DateOnly To)
{
    public bool Contains(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime) is var d && d >= From && d <= To;
    public override string ToString() => $"{From:yyyy-MM-dd}..{To:yyyy-MM-dd}";

    public static AuditPeriod Parse(string text)
    {
        var parts = text.Split("..");
        if (parts.Length != 2 || !DateOnly.TryParseExact(parts[0], "yyyy-MM-dd", out var from) || !DateOnly.TryParseExact(parts[1], "yyyy-MM-dd", out var to) || to < from)
            throw new FormatException($"'{text}' is not a period (expected FROM..TO as yyyy-MM-dd..yyyy-MM-dd, FROM not after TO)");
        return new AuditPeriod(from, to);
    }
}

/// <param name="Simulated">True when the facts come from the simulated macOS of a sandbox target.</param>
public sealed record SystemFacts(
    string Hardware, string MacOsVersion, string ApplianceVersion, string FileVaultStatus,
    string SipStatus, bool Simulated);

public sealed record ModelFacts(string Role, string Name, string File, string Sha256, string? Source, string? License, long SizeBytes, bool IsTestModel);

public sealed record NetworkFacts(string AnchorText, bool PfEnabled, IReadOnlyList<FlowVerdict> Matrix);

/// <summary>One evaluated flow through the installed firewall rules.</summary>
public sealed record FlowVerdict(string Direction, string From, string To, string Protocol, int? Port, bool Pass, string Rule);

/// <summary>One control read back from the live box (mSCP-style).</summary>
public sealed record ControlResult(string Id, string Title, string Expected, string Observed, bool Passed, DateTimeOffset CheckedAt)
{
    /// <summary>The command that read the observed value, exactly as it ran.</summary>
    public string ReadBack { get; init; } = "";

    /// <summary>Ids of the measures (<see cref="Evidence.Measures"/>) this control proves.</summary>
    public IReadOnlyList<string> Measures { get; init; } = [];
}

/// <summary>One provisioning run (apply, rollback, audit-key, …) with every step it took, as the box's journal records it.</summary>
/// <param name="Generation">the generation it produced or ran against (0: none)</param>
/// <param name="Outcome">the journal's own words for how it ended; <paramref name="Error"/> says why it failed</param>
public sealed record ProvisioningRun(
    DateTimeOffset At, string User, string Host, int Generation, string Action, string Outcome, string? Error, IReadOnlyList<RunStep> Steps)
{
    public bool Failed => Error is not null || Steps.Any(s => !s.Succeeded);
}

/// <param name="Resource">what the step changed (the pf anchor, the agent service, …)</param>
public sealed record RunStep(string Resource, string Step, bool Succeeded, string Detail);

/// <summary>What the box knows of its backups: the destination, and the newest of each kind of event in the histories.</summary>
/// <param name="Destination">backup.destination, or null when backups are not configured</param>
/// <param name="LastFailure">the newest failed backup, when it is newer than the last successful one</param>
public sealed record BackupFacts(string? Destination, BackupRecord? LastBackup, BackupRecord? LastRestoreDrill, BackupRecord? LastFailure)
{
    public static readonly BackupFacts NotConfigured = new(null, null, null, null);
}

/// <summary>What a backup history event was: a backup written, or a drill (verify, restore) that read one back.</summary>
public enum BackupRecordKind { Backup, Verify, Restore }

/// <param name="Set">the backup set's id (null for a failure before a set was made)</param>
public sealed record BackupRecord(BackupRecordKind Kind, DateTimeOffset At, string Destination, string? Set, long Bytes, string? Detail);

/// <summary>
/// What the agent counted, day by day: queries by collection and role, how they ended, sign-ins and
/// access denials, and its retention purges. Counts only, never question text: a pack sums what
/// falls into its period.
/// </summary>
public sealed record UsageFacts(
    IReadOnlyList<UsageCount> Queries, IReadOnlyList<DailyCount> Outcomes, IReadOnlyList<DailyCount> SignIns,
    IReadOnlyList<DenialCount> Denials, ChainCheck QueryLogChain, IReadOnlyList<RetentionPurge> Purges);

/// <summary>Queries on one day, for one collection and role: counts only, never question text.</summary>
public sealed record UsageCount(DateOnly Day, string Collection, string Role, int Count);

/// <summary>How often one kind of thing happened on one day (a query outcome, a sign-in outcome).</summary>
public sealed record DailyCount(DateOnly Day, string Kind, int Count);

/// <summary>Requests refused on one day on one route, and why (not signed in, role, group filter).</summary>
public sealed record DenialCount(DateOnly Day, string Route, string Reason, int Count);

/// <summary>A kind and how often it happened in the whole period.</summary>
public sealed record KindTotal(string Kind, int Count);

public sealed record ChainCheck(bool Intact, long Entries, long? FirstBrokenSequence, string Detail);

/// <param name="Log">which store the retention job purged: the query log or the security events</param>
public sealed record RetentionPurge(DateTimeOffset At, string Log, long EntriesRemoved, DateTimeOffset OlderThan);

/// <param name="Path">the document's source path; the pack shows it only for collections a DPO account may read, the hash otherwise</param>
public sealed record ErasureFact(DateTimeOffset At, string User, string DocumentId, string DocumentSha256, string Collection, int ChunksRemoved, string? Path = null);

/// <summary>One link of the hash-chained query log as stored: hash = SHA-256(payload), and the payload holds the previous hash.</summary>
public sealed record ChainEntry(long Sequence, string PreviousHash, string Hash, string Payload);

/// <summary>How a logged query ended, as the usage evidence counts it.</summary>
public static class QueryOutcomes
{
    public const string Answered = "answered";
    public const string AnsweredFromNoDocument = "answered, no readable document found";
    public const string Cancelled = "cancelled by the client";
    public const string Busy = "refused: agent busy (429)";
    public const string Invalid = "refused: invalid request";
    public const string Failed = "failed: server error";

    public static string Of(int status, int documents) => status switch
    {
        >= 200 and < 300 => documents == 0 ? AnsweredFromNoDocument : Answered,
        499 => Cancelled,
        429 => Busy,
        >= 400 and < 500 => Invalid,
        _ => Failed,
    };

    public static bool IsRefusal(string kind) => kind.StartsWith("refused", StringComparison.Ordinal);
}

/// <summary>Sign-in attempts as the usage evidence counts them; a lockout is counted beside the failure that caused it.</summary>
public static class SignInOutcomes
{
    public const string SignedIn = "signed in";
    public const string UnknownUser = "failed: unknown user";
    public const string WrongPassword = "failed: wrong password";
    public const string Locked = "refused: account locked";
    public const string DirectoryUnavailable = "failed: directory unavailable";
    public const string Lockout = "account locked after repeated failures";

    public static bool IsFailure(string kind) => kind is UnknownUser or WrongPassword or Locked or DirectoryUnavailable;
}
