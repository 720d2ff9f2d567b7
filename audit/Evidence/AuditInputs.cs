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
    public IReadOnlyList<JournalEntry> Journal { get; init; } = [];
    public required UsageFacts Usage { get; init; }
    public IReadOnlyList<ErasureFact> Erasures { get; init; } = [];

    /// <summary>When the agent exported the usage and erasure evidence; null when it never did.</summary>
    public DateTimeOffset? AgentEvidenceExportedAt { get; init; }

    /// <summary>Query-log entries of the period, with their chain hashes, so a verifier can recompute the chain.</summary>
    public IReadOnlyList<ChainEntry> QueryLogExcerpt { get; init; } = [];

    public required AuditPeriod Period { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
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
    string SipStatus, bool Simulated, string BackupStance);

public sealed record ModelFacts(string Role, string Name, string File, string Sha256, string? Source, string? License, long SizeBytes, bool IsTestModel);

public sealed record NetworkFacts(
    string AnchorText, bool PfEnabled, IReadOnlyList<FlowVerdict> Matrix, IReadOnlyList<string> BrokenByDesign);

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

public sealed record JournalEntry(DateTimeOffset At, string User, string Host, int Generation, string Step, string Result);

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

public sealed record ErasureFact(DateTimeOffset At, string User, string DocumentId, string DocumentSha256, string Collection, int ChunksRemoved);

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
