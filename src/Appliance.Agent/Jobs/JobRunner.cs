using System.Diagnostics;
using Appliance.Agent.Answers;
using Appliance.Agent.Audit;
using Appliance.Agent.Documents;
using Appliance.Agent.Identity;
using Appliance.Config;
using Appliance.Inference;
using Appliance.Rag;
using Microsoft.Extensions.AI;

namespace Appliance.Agent.Jobs;

/// <summary>
/// Works through due jobs one at a time and each job one document at a time, at the background class
/// (the decode scheduler pauses it for anyone waiting). Each finished document is committed before
/// the next starts; a run cut off resumes at its first unfinished document after a restart. The run's
/// result goes on its owner's shelf (or a digest's), and every document read is logged like a question.
/// </summary>
public sealed class JobRunner(JobStore store, DocumentLibrary library, Answerer answerer, QueryLog log, IngestionJobs syncs, IdentityStore identity,
    ApplianceConfig config, TimeProvider clock, ILogger<JobRunner> logger) : BackgroundService
{
    /// <summary>The class every job's model work runs at.</summary>
    public const WorkPriority Priority = WorkPriority.Background;

    /// <summary>How often the runner looks for due jobs when nothing woke it.</summary>
    private static readonly TimeSpan LookAgain = TimeSpan.FromMinutes(1);

    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly Lock _gate = new();
    private (string Id, CancellationTokenSource Cancel)? _current;

    /// <summary>A job was added or cancelled: look again now.</summary>
    public void Wake()
    {
        try { _wake.Release(); }
        catch (SemaphoreFullException) { }  // already woken
    }

    /// <summary>Stops the document being written for a job its owner cancelled (the store already says cancelled).</summary>
    public void Cancelled(string id)
    {
        lock (_gate)
            if (_current is { } current && current.Id == id) current.Cancel.Cancel();
    }

    /// <summary>When the quiet hours next begin after <paramref name="now"/> (now, when they have begun).</summary>
    public DateTimeOffset NextNight(DateTimeOffset now, bool includeNow = true)
    {
        var night = config.Jobs.NightIn(config.Rag);
        var local = TimeZoneInfo.ConvertTime(now, clock.LocalTimeZone);
        if (includeNow && night.Contains(TimeOnly.FromDateTime(local.DateTime))) return now;
        var start = local.Date + night.Start.ToTimeSpan();
        var candidate = new DateTimeOffset(start, clock.LocalTimeZone.GetUtcOffset(start));
        if (candidate <= now) candidate = candidate.AddDays(1);
        return candidate;
    }

    /// <summary>A daily job's next run: the quiet hours' next beginning, never the night it just ran in.</summary>
    private DateTimeOffset NextNightAfterRun() => NextNight(clock.GetUtcNow().AddHours(1), includeNow: false);

    /// <summary>Who scheduled digests belong to: the box itself (no account name has a colon).</summary>
    public const string DigestOwner = "appliance:digests";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // Runs choose their documents from the collections as the sync at start leaves them (hosted
            // services start side by side, so waiting for "no sync running" alone could come first).
            if (config.Rag.Sync.Enabled) await syncs.StartSyncEnded.WaitAsync(stoppingToken);
            await ScheduleDigestsAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;   // the agent stopped before jobs began (its port was taken, say): nothing ran, nothing to report
        }
        catch (Exception e)
        {
            logger.LogError(e, "the digests in appliance.yaml could not be scheduled");
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var job in await store.DueAsync(clock.GetUtcNow(), stoppingToken))
                    await RunAsync(job, stoppingToken);
                var next = await store.NextDueAsync(stoppingToken);
                var wait = next is { } due ? due - clock.GetUtcNow() : LookAgain;
                wait = wait < TimeSpan.Zero ? TimeSpan.Zero : wait > LookAgain ? LookAgain : wait;
                using var woken = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                await Task.WhenAny(_wake.WaitAsync(woken.Token), Task.Delay(wait, clock, woken.Token));
                await woken.CancelAsync();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;   // the run stays "running" in the store and resumes after the restart
            }
            catch (Exception e)
            {
                logger.LogError(e, "the job runner failed; it looks again in a minute");
                await Task.Delay(LookAgain, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>
    /// One daily digest job per collection listed in jobs.digests, for its recipient groups, read
    /// through their groups; digests of collections no longer listed (or digests switched off) end.
    /// </summary>
    private async Task ScheduleDigestsAsync(CancellationToken ct)
    {
        var digests = config.Jobs.Digests;
        var wanted = digests.Enabled ? digests.Collections.ToHashSet(StringComparer.Ordinal) : [];
        var existing = (await store.ListAsync(DigestOwner, ct)).Where(j => j.State is JobState.Scheduled or JobState.Running).ToList();
        foreach (var job in existing.Where(j => !wanted.Contains(j.Request.Collections[0]) || !j.Request.Recipients!.SequenceEqual(digests.Recipients)))
            await store.CancelAsync(DigestOwner, job.Id, ct);
        var now = clock.GetUtcNow();
        foreach (var id in wanted.Where(id => !existing.Any(j => j.Request.Collections[0] == id && j.Request.Recipients!.SequenceEqual(digests.Recipients))))
        {
            var title = config.Rag.Collections.First(c => c.Id == id).Title;
            // The first digest covers the day before it; each later one what came since the one before.
            var request = new JobRequest(DigestOwner, digests.Recipients, $"Digest of {title}", JobTask.Digest, JobTasks.DefaultPrompt(JobTask.Digest),
                JobSchedule.Daily, [id], now.AddDays(-1), []) { Recipients = digests.Recipients };
            await store.AddAsync(request, NextNight(now), ct);
            logger.LogInformation("digest of {Collection} for {Groups} scheduled nightly", id, string.Join(", ", digests.Recipients));
        }
    }

    private async Task RunAsync(StoredJob job, CancellationToken stoppingToken)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        lock (_gate) _current = (job.Id, cancel);
        try
        {
            var groups = await ReaderGroupsAsync(job.Request, cancel.Token);
            if (job.State == JobState.Scheduled)
            {
                // A run reads the collections as the sync going on (the one at start, one in the night) leaves them.
                await syncs.IdleAsync(cancel.Token);
                var started = clock.GetUtcNow();
                var chosen = await ChooseAsync(job, groups, cancel.Token);
                if (chosen.Count > config.Jobs.MaxDocuments)
                {
                    await FailAsync(job,
                        $"{chosen.Count} documents match; a job reads at most {config.Jobs.MaxDocuments} (jobs.max_documents): choose fewer collections or a later 'since'");
                    return;
                }
                if (!await store.StartRunAsync(job.Id, chosen, started, cancel.Token)) return;   // cancelled while it waited
                job = job with { State = JobState.Running, StartedAt = started };
                logger.LogInformation("job {Id} ({Task}) of {Owner} started over {Count} documents", job.Id, job.Request.Task, job.Request.Owner, chosen.Count);
            }
            var items = await store.ItemsAsync(job.Id, cancel.Token);
            foreach (var item in items.Where(i => i.State == ItemState.Pending))
            {
                if (!await store.IsRunningAsync(job.Id, cancel.Token)) return;   // cancelled meanwhile
                await WriteAboutAsync(job, item, groups, cancel.Token);
            }
            await FinishAsync(job, groups, cancel.Token);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
        {
            logger.LogInformation("job {Id} cancelled by its owner", job.Id);
        }
        catch (DocumentLibraryException e)
        {
            // The library refuses with words meant for people (a result it cannot store, a busy index).
            logger.LogWarning("job {Id} failed: {Reason}", job.Id, e.Message);
            await FailAsync(job, e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "job {Id} failed", job.Id);
            await FailAsync(job, "the job failed; the error is in the agent's log");
        }
        finally
        {
            lock (_gate) _current = null;
        }
    }

    /// <summary>A run that failed ends; a daily job keeps its nights (the error stays on it until a run succeeds).</summary>
    private Task FailAsync(StoredJob job, string error) => job.Request.Schedule == JobSchedule.Daily
        ? store.EndRunAsync(job.Id, JobState.Scheduled, null, error, NextNightAfterRun(), CancellationToken.None)
        : store.EndRunAsync(job.Id, JobState.Failed, null, error, null, CancellationToken.None);

    /// <summary>The documents a run reads: those its owner may read (their groups when they asked), filtered as they asked, oldest path first.</summary>
    private async Task<IReadOnlyList<JobItem>> ChooseAsync(StoredJob job, IReadOnlyList<string> groups, CancellationToken ct)
    {
        var request = job.Request;
        // A daily job reads what was added since its last run; the first run, since what was asked.
        var since = job.LastRunStartedAt ?? request.Since;
        var readable = await library.ListDocumentsAsync(groups, ct);
        return [.. readable
            .Where(d => d.Status == DocumentStatus.Ready && !Shelf.IsShelf(d.CollectionId))
            .Where(d => request.Collections.Count == 0 || request.Collections.Contains(d.CollectionId))
            .Where(d => request.Documents.Count == 0 || request.Documents.Contains(d.Id))
            .Where(d => since is null || d.AddedAt >= since)
            .OrderBy(d => d.CollectionId, StringComparer.Ordinal).ThenBy(d => d.Path, StringComparer.Ordinal)
            .Select((d, i) => new JobItem(i, d.Id, d.CollectionId, d.Title, d.Path, ItemState.Pending, null, []))];
    }

    private async Task WriteAboutAsync(StoredJob job, JobItem item, IReadOnlyList<string> groups, CancellationToken ct)
    {
        var request = job.Request;
        var started = Stopwatch.GetTimestamp();
        // Read again now, through the owner's groups: a document erased or closed to them since is skipped.
        var text = await library.TextAsync(item.DocumentId, groups, ct);
        if (text is null)
        {
            await store.FinishItemAsync(job.Id, item.Ordinal, ItemState.Skipped, "(no longer readable: erased, or no longer in your groups' collections)", [], ct);
            return;
        }
        var collectionTitle = library.Collections(groups).FirstOrDefault(c => c.Id == item.CollectionId)?.Title ?? item.CollectionId;
        var instruction = JobTasks.Instruction(request.Prompt, item.Title, collectionTitle);
        var passages = text.Passages.Select(p => new SearchHit(new Citation(item.DocumentId, item.CollectionId, item.Path, text.Title, p.Page, p.Section,
            Snippet(text.Text, p), p.StartChar, p.EndChar), 1, text.Text[p.StartChar..Math.Min(p.EndChar, text.Text.Length)])).ToList();
        var options = new ChatOptions
        {
            MaxOutputTokens = config.Jobs.TokensPerDocument,
            AdditionalProperties = new() { [WorkPriorities.Key] = Priority },
        };
        var route = request.Recipients is null ? BackgroundRoutes.Job : BackgroundRoutes.Digest;
        var asked = new AnswerRequest(new Caller(request.Owner, request.Owner, [], request.Groups), route, instruction, options);
        while (true)
        {
            AnswerSummary? summary = null;
            Refusal? refusal = null;
            string? failure = null;
            try
            {
                await foreach (var e in answerer.WriteAboutAsync(asked, passages, ct))
                    if (e is AnswerEvent.Done done) summary = done.Summary;
                    else if (e is AnswerEvent.Refused refused) refusal = refused.Refusal;
            }
            catch (Exception e) when (e is not OperationCanceledException && !ct.IsCancellationRequested)
            {
                // One document the model failed on does not cost the night's work: it is marked and the run goes on.
                logger.LogError(e, "job {Id}: writing about document {Document} failed", job.Id, item.DocumentId);
                failure = "the model failed on this document; the error is in the agent's log";
            }
            if (refusal is { Reason: RefusalReason.QueueFull } full)
            {
                // The background queue is full (other background work): wait as asked and try again.
                await Task.Delay(full.RetryAfter ?? TimeSpan.FromSeconds(1), clock, ct);
                continue;
            }
            // Logged before the document counts as finished: a kill between the two logs it twice (it was read twice), never not at all.
            await log.AppendAsync(new QueryRecord(request.Owner, route, instruction, [item.DocumentId],
                summary?.Usage.PromptTokens ?? 0, summary?.Usage.CompletionTokens ?? 0, Stopwatch.GetElapsedTime(started),
                summary is not null ? 200 : failure is null ? 413 : 500),
                CancellationToken.None);
            var output = summary?.Answer ?? $"(not written: {failure ?? refusal?.Detail})";
            await store.FinishItemAsync(job.Id, item.Ordinal, summary is null ? ItemState.Skipped : ItemState.Done, output, summary?.Citations ?? [], ct);
            return;
        }
    }

    private async Task FinishAsync(StoredJob job, IReadOnlyList<string> groups, CancellationToken ct)
    {
        // Cancelled by its owner or erased by the DPO after its last document: no result goes on a shelf.
        if (!await store.IsRunningAsync(job.Id, ct)) return;
        var request = job.Request;
        var items = await store.ItemsAsync(job.Id, ct);
        var notice = answerer.WritesWithTestModel ? Answerer.TestModelNotice : Answerer.AiNotice;
        var titles = library.Collections(groups).ToDictionary(c => c.Id, c => c.Title, StringComparer.Ordinal);
        var runStarted = job.StartedAt ?? clock.GetUtcNow();
        var markdown = JobTasks.Render(request, runStarted, notice, items, titles);
        var file = FileName(request.Name, runStarted);
        var document = await library.PutOnShelfAsync(ShelfOf(request), file, markdown, request.Owner, ct);
        var result = new JobResult(document.Id, document.Title, clock.GetUtcNow(), answerer.WritesWithTestModel, notice);
        var again = request.Schedule == JobSchedule.Daily;
        await store.EndRunAsync(job.Id, again ? JobState.Scheduled : JobState.Done, result, null,
            again ? NextNightAfterRun() : null, CancellationToken.None);
        logger.LogInformation("job {Id} of {Owner} wrote {Document} from {Count} documents", job.Id, request.Owner, document.Id, items.Count);
    }

    /// <summary>Where a run's result goes: a digest's shelf for its recipients, else the owner's own.</summary>
    public static Shelf ShelfOf(JobRequest request) => request.Recipients is { Count: > 0 } recipients && request.Collections.Count == 1
        ? Shelf.Digest(request.Collections[0], request.Name, recipients)
        : Shelf.Personal(request.Owner);

    /// <summary>
    /// The groups a job reads by: the owner's when they asked that they still have now (someone who
    /// left a group stops reading it, also in a daily job), and their own shelf's; a digest's, its recipients'.
    /// </summary>
    private async Task<IReadOnlyList<string>> ReaderGroupsAsync(JobRequest request, CancellationToken ct)
    {
        if (request.Recipients is { Count: > 0 }) return request.Groups;
        var current = (await identity.FindAsync(request.Owner, ct))?.Groups ?? [];
        return [.. request.Groups.Where(current.Contains), Shelf.PersonGroup(request.Owner)];
    }

    private static string FileName(string name, DateTimeOffset runStarted)
    {
        var safe = new string([.. name.Select(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '_' ? c : '-')]).Trim();
        if (safe.Length == 0 || safe.StartsWith('-')) safe = "job " + safe;
        if (safe.Length > 80) safe = safe[..80];
        return $"{safe} {runStarted.UtcDateTime:yyyy-MM-dd HHmm}.md";
    }

    private static string Snippet(string text, DocumentPassage p)
    {
        var end = Math.Min(p.EndChar, text.Length);
        var passage = text[Math.Min(p.StartChar, end)..end];
        return passage.Length <= 240 ? passage : passage[..240] + "…";
    }
}
