using System.Text.Json.Serialization;

namespace Appliance.Agent.Audit;

/// <summary>What a handler reports about one call; the log adds time, question protection and the chain.</summary>
public sealed record QueryRecord(
    string User,
    string Route,
    string? Question,
    IReadOnlyList<string> DocumentIds,
    int PromptTokens,
    int CompletionTokens,
    TimeSpan Latency,
    int Status);

public static class EntryKinds
{
    public const string Query = "query";
    public const string Purge = "purge";
}

/// <summary>
/// The routes of work nobody waited for, logged like questions: a job's document, a digest's. The
/// prefix lets the audit pack count background work apart from people's questions.
/// </summary>
public static class BackgroundRoutes
{
    public const string Prefix = "background:";
    public const string Job = Prefix + "job";
    public const string Digest = Prefix + "digest";

    public static bool IsBackground(string? route) => route?.StartsWith(Prefix, StringComparison.Ordinal) == true;
}

/// <summary>One row of the query log exactly as stored and hashed.</summary>
/// <param name="QuestionSalt">random per entry, never shown: it makes the hashed commitment to the question unguessable</param>
public sealed record QueryLogEntry(
    long Seq,
    DateTimeOffset At,
    string Kind,
    string? User,
    string? Route,
    string QuestionMode,
    string? Question,
    IReadOnlyList<string> DocumentIds,
    int PromptTokens,
    int CompletionTokens,
    long LatencyMs,
    int Status,
    long? PurgedThroughSeq,
    string? PurgedThroughHash,
    string PreviousHash,
    string Hash,
    [property: JsonIgnore] string? QuestionSalt = null);

/// <summary>The outcome of walking the chain: intact, or the first entry where it breaks and why.</summary>
public sealed record ChainVerdict(bool Intact, long EntriesChecked, long? FirstBrokenSeq, string? Problem)
{
    public override string ToString() => Intact
        ? $"query log intact: {EntriesChecked} entries, every hash and link checks out"
        : $"query log BROKEN at entry #{FirstBrokenSeq}: {Problem} ({EntriesChecked} entries checked before it)";
}

/// <summary>What a retention purge removed, as recorded in the chain.</summary>
public sealed record PurgeReport(int Removed, long? ThroughSeq, DateTimeOffset Cutoff);
