using Appliance.Agent.Identity;
using Appliance.Rag;

namespace Appliance.Agent.Jobs;

/// <summary>
/// /api/jobs: a person's own jobs — ask for one, follow it, cancel it, erase what it wrote. Another
/// person's job id is "not found", exactly like one that never existed.
/// </summary>
public static class JobEndpoints
{
    /// <param name="Task">summarise, deadlines or digest</param>
    /// <param name="Prompt">the prompt template ({title} and {collection} are filled per document); empty = the task's own</param>
    /// <param name="Schedule">now, tonight or daily</param>
    /// <param name="Collections">collections to read; empty = every one the caller may read</param>
    /// <param name="Since">only documents added since this moment</param>
    /// <param name="Documents">only these documents</param>
    public sealed record JobBody(string? Name, string? Task, string? Prompt, string? Schedule, IReadOnlyList<string>? Collections,
        DateTimeOffset? Since, IReadOnlyList<string>? Documents);

    /// <summary>A job with where each document of its current run stands (what was written is in the result, not here).</summary>
    public sealed record JobDetail(JobView Job, IReadOnlyList<JobDocument> Documents);

    public sealed record JobDocument(string DocumentId, string CollectionId, string Title, string Path, ItemState State);

    public const int MaxNameLength = 100;
    private const int MaxListed = 200;

    public static async Task<IResult> CreateAsync(JobBody? body, Caller caller, JobStore store, JobRunner runner, DocumentLibrary library,
        Config.ApplianceConfig config, TimeProvider clock, CancellationToken ct)
    {
        if (body is null || string.IsNullOrWhiteSpace(body.Name))
            return Invalid("name needed", "send {\"name\": \"…\", \"task\": \"summarise|deadlines|digest\", \"schedule\": \"now|tonight|daily\"}");
        if (body.Name.Length > MaxNameLength || body.Name.Any(char.IsControl))
            return Invalid("name not acceptable", $"a name of at most {MaxNameLength} characters, without control characters");
        if (!TryParse<JobTask>(body.Task, out var task))
            return Invalid("unknown task", $"task is one of {Names<JobTask>()} (got '{body.Task}')");
        if (!TryParse<JobSchedule>(body.Schedule ?? "now", out var schedule))
            return Invalid("unknown schedule", $"schedule is one of {Names<JobSchedule>()} (got '{body.Schedule}')");
        var prompt = string.IsNullOrWhiteSpace(body.Prompt) ? JobTasks.DefaultPrompt(task) : body.Prompt.Trim();
        if (prompt.Length > JobTasks.MaxPromptLength)
            return Invalid("prompt too long", $"a prompt template of at most {JobTasks.MaxPromptLength} characters");
        var readable = library.Collections(caller.Groups).Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var collections = body.Collections ?? [];
        if (collections.FirstOrDefault(c => !readable.Contains(c)) is { } unknown)
            return Invalid("no such collection", $"you have no collection '{unknown}'");
        var documents = body.Documents ?? [];
        if (documents.Count > 0)
        {
            var known = (await library.ListDocumentsAsync(caller.Groups, ct)).Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
            if (documents.FirstOrDefault(d => !known.Contains(d)) is { } missing)
                return Invalid("no such document", $"you have no document '{missing}'");
        }
        if (await store.ActiveCountAsync(caller.Name, ct) >= config.Jobs.PerPerson)
            return TypedResults.Problem(statusCode: 429, title: "too many jobs",
                detail: $"you have {config.Jobs.PerPerson} jobs waiting or running (jobs.per_person); cancel one or wait for one to finish");

        var request = new JobRequest(caller.Name, caller.Groups, body.Name.Trim(), task, prompt, schedule, collections, body.Since, documents);
        var now = clock.GetUtcNow();
        var job = await store.AddAsync(request, schedule == JobSchedule.Now ? now : runner.NextNight(now), ct);
        runner.Wake();
        return TypedResults.Created($"/api/jobs/{job.Id}", await ViewAsync(store, job, ct));
    }

    public static async Task<IResult> ListAsync(Caller caller, JobStore store, CancellationToken ct) =>
        TypedResults.Ok((await ViewsAsync(store, caller.Name, ct)).Take(MaxListed).ToList());

    /// <summary>Every job of <paramref name="owner"/> as they see it, newest first (their list, and the DPO's access report).</summary>
    public static async Task<IReadOnlyList<JobView>> ViewsAsync(JobStore store, string owner, CancellationToken ct)
    {
        var jobs = await store.ListAsync(owner, ct);
        var progress = await store.ProgressAsync(jobs.Select(j => j.Id), ct);
        return [.. jobs.Select(j => View(j, progress.GetValueOrDefault(j.Id)))];
    }

    public static async Task<IResult> GetAsync(string id, Caller caller, JobStore store, CancellationToken ct)
    {
        if (await store.GetAsync(caller.Name, id, ct) is not { } job) return NotFound();
        var items = await store.ItemsAsync(job.Id, ct);
        return TypedResults.Ok(new JobDetail(await ViewAsync(store, job, ct),
            [.. items.Select(i => new JobDocument(i.DocumentId, i.CollectionId, i.Title, i.Path, i.State))]));
    }

    /// <summary>DELETE /api/jobs/{id}: cancels a waiting or running job; what it finished stays in its progress, nothing is written.</summary>
    public static async Task<IResult> CancelAsync(string id, Caller caller, JobStore store, JobRunner runner, CancellationToken ct)
    {
        var owner = caller.Name;
        if (await store.GetAsync(owner, id, ct) is not { } job) return NotFound();
        if (!await store.CancelAsync(owner, id, ct))
            return TypedResults.Problem(statusCode: 409, title: "not running", detail: $"the job is {job.State.ToString().ToLowerInvariant()}; only a waiting or running job can be cancelled");
        runner.Cancelled(id);
        runner.Wake();
        return TypedResults.Ok(await ViewAsync(store, (await store.GetAsync(owner, id, ct))!, ct));
    }

    /// <summary>DELETE /api/jobs/{id}/result: erases the document the job wrote (text, passages, vectors), with an erasure record.</summary>
    public static async Task<IResult> EraseResultAsync(string id, Caller caller, JobStore store, DocumentLibrary library, CancellationToken ct)
    {
        var owner = caller.Name;
        if (await store.GetAsync(owner, id, ct) is not { Result: { } result } job) return NotFound();
        try
        {
            var record = await library.DeleteDocumentAsync(result.DocumentId, owner, ct, $"job result erased by its owner {owner}");
            await store.ForgetResultAsync(job.Id, ct);
            return TypedResults.Ok(record);
        }
        catch (DocumentLibraryException e) when (e.Error == LibraryError.NotFound)
        {
            await store.ForgetResultAsync(job.Id, ct);
            return NotFound();
        }
    }

    private static async Task<JobView> ViewAsync(JobStore store, StoredJob job, CancellationToken ct) =>
        View(job, (await store.ProgressAsync([job.Id], ct)).GetValueOrDefault(job.Id));

    private static JobView View(StoredJob job, (int Total, int Done) progress)
    {
        var r = job.Request;
        return new JobView(job.Id, r.Name, r.Task, r.Prompt, r.Schedule, job.State, r.Collections, r.Since, r.Documents, job.CreatedAt,
            job.NextRunAt, job.StartedAt, job.FinishedAt, progress.Total, progress.Done, job.Error, job.Result);
    }

    private static bool TryParse<T>(string? name, out T value) where T : struct, Enum
    {
        value = default;
        return name is not null && name.All(char.IsLetter) && Enum.TryParse(name, ignoreCase: true, out value) && Enum.IsDefined(value);
    }

    private static string Names<T>() where T : struct, Enum => string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()));

    private static IResult Invalid(string title, string detail) => TypedResults.Problem(statusCode: 400, title: title, detail: detail);

    private static IResult NotFound() => TypedResults.Problem(statusCode: 404, title: "no such job", detail: "it does not exist or is not yours");
}
