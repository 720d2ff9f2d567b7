using System.Text.Json.Serialization;
using Appliance.Agent.Documents;

namespace Appliance.Agent.Jobs;

/// <summary>What a job does with each document it reads.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<JobTask>))]
public enum JobTask
{
    /// <summary>A few sentences per document.</summary>
    [JsonStringEnumMemberName("summarise")] Summarise,
    /// <summary>Dates and deadlines per document, gathered into one table.</summary>
    [JsonStringEnumMemberName("deadlines")] Deadlines,
    /// <summary>A line per new document, grouped by collection.</summary>
    [JsonStringEnumMemberName("digest")] Digest,
}

/// <summary>When a job runs.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<JobSchedule>))]
public enum JobSchedule
{
    [JsonStringEnumMemberName("now")] Now,
    /// <summary>Once, in the next quiet hours (at once when they have begun).</summary>
    [JsonStringEnumMemberName("tonight")] Tonight,
    /// <summary>Every night in the quiet hours, over what was added since the run before.</summary>
    [JsonStringEnumMemberName("daily")] Daily,
}

[JsonConverter(typeof(JsonStringEnumConverter<JobState>))]
public enum JobState
{
    /// <summary>Waits for its time (tonight, the next night of a daily job).</summary>
    [JsonStringEnumMemberName("scheduled")] Scheduled,
    [JsonStringEnumMemberName("running")] Running,
    [JsonStringEnumMemberName("done")] Done,
    [JsonStringEnumMemberName("cancelled")] Cancelled,
    [JsonStringEnumMemberName("failed")] Failed,
}

/// <summary>Where one document of a run stands.</summary>
public enum ItemState { Pending, Done, Skipped }

/// <summary>
/// What someone asked for: a named task over the documents they may read, limited to
/// <see cref="Groups"/> (theirs when they asked), to some collections, to documents added since a
/// moment, or to named documents.
/// </summary>
public sealed record JobRequest(
    string Owner,
    IReadOnlyList<string> Groups,
    string Name,
    JobTask Task,
    string Prompt,
    JobSchedule Schedule,
    IReadOnlyList<string> Collections,
    DateTimeOffset? Since,
    IReadOnlyList<string> Documents)
{
    /// <summary>A scheduled digest's recipient groups: its result goes on the digest's shelf for them, not on the owner's.</summary>
    public IReadOnlyList<string>? Recipients { get; init; }
}

/// <summary>A job as its owner sees it (GET /api/jobs).</summary>
public sealed record JobView(
    string Id,
    string Name,
    JobTask Task,
    string Prompt,
    JobSchedule Schedule,
    JobState State,
    IReadOnlyList<string> Collections,
    DateTimeOffset? Since,
    IReadOnlyList<string> Documents,
    DateTimeOffset CreatedAt,
    DateTimeOffset? NextRunAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    int DocumentsTotal,
    int DocumentsDone,
    string? Error,
    JobResult? Result)
{
    /// <summary>The class its model work runs at: always background (nobody waits for it).</summary>
    public Appliance.Inference.WorkPriority Priority => JobRunner.Priority;
}

/// <summary>The document a run wrote, on its owner's shelf.</summary>
/// <param name="TestModel">written by a generated test model: the text is meaningless</param>
public sealed record JobResult(string DocumentId, string Title, DateTimeOffset WrittenAt, bool TestModel, string Notice);

/// <summary>What erasing a person's jobs removed.</summary>
/// <param name="Outputs">what the jobs had written about single documents</param>
/// <param name="JobIds">the erased jobs (a run in progress is stopped)</param>
public sealed record PersonJobsErased(int Jobs, int Outputs, IReadOnlyList<string> JobIds);

/// <summary>A job as stored, with what the runner needs.</summary>
public sealed record StoredJob(string Id, JobRequest Request, JobState State, DateTimeOffset CreatedAt, DateTimeOffset? NextRunAt,
    DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, DateTimeOffset? LastRunStartedAt, string? Error, JobResult? Result);

/// <summary>One document of a run, and what was written about it once it is done.</summary>
public sealed record JobItem(int Ordinal, string DocumentId, string CollectionId, string Title, string Path, ItemState State,
    string? Output, IReadOnlyList<CitationView> Citations);
