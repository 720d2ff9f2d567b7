using System.Text.Json.Serialization;
using Appliance.Config;
using Appliance.Rag;
using Appliance.Rag.Ingestion;

namespace Appliance.Agent.Documents;

/// <summary>Where the agent's syncing stands.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SyncState>))]
public enum SyncState
{
    [JsonStringEnumMemberName("idle")] Idle,
    [JsonStringEnumMemberName("running")] Running,
    [JsonStringEnumMemberName("done")] Done,
    [JsonStringEnumMemberName("cancelled")] Cancelled,
    [JsonStringEnumMemberName("failed")] Failed,
}

/// <summary>Why a sync ran: the agent started, a file changed, the periodic full sync, or someone asked.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SyncTrigger>))]
public enum SyncTrigger
{
    [JsonStringEnumMemberName("start")] Start,
    [JsonStringEnumMemberName("change")] Change,
    [JsonStringEnumMemberName("periodic")] Periodic,
    [JsonStringEnumMemberName("admin")] Admin,
}

/// <summary>
/// The run going on or the last one, and what waits. <see cref="Collection"/> null = every collection;
/// <see cref="Queued"/> lists the syncs that run next (null inside it = every collection).
/// </summary>
public sealed record IngestStatus(
    SyncState State,
    string? Collection,
    IngestProgress? Progress,
    IngestReport? Report,
    string? Error,
    DateTimeOffset? Started,
    DateTimeOffset? Finished)
{
    public SyncTrigger? Trigger { get; init; }
    public IReadOnlyList<string?> Queued { get; init; } = [];
}

/// <summary>The last finished sync of one collection, for the Indexing page and /metrics.</summary>
public sealed record CollectionSync(string Collection, DateTimeOffset Finished, SyncTrigger Trigger, SyncState Outcome,
    IReadOnlyList<SkippedFile> Skipped);

/// <summary>
/// Runs syncs of collections against their folders in the background, one at a time: asked for by
/// an admin (/api/ingest), by the folder watch when files changed, periodically and at start.
/// Requests that arrive while a run goes are queued and merged (a sync of every collection covers
/// one of a single collection), so a burst of changes costs one more run, not one per file.
/// </summary>
public sealed class IngestionJobs(DocumentLibrary library, ApplianceConfig config, TimeProvider clock, IHostApplicationLifetime lifetime,
    ILogger<IngestionJobs> log)
{
    private readonly IReadOnlyList<string> _collections = [.. config.Rag.Collections.Select(c => c.Id)];
    private readonly Lock _gate = new();
    private readonly List<(string? Collection, SyncTrigger Trigger)> _queue = [];
    private readonly Dictionary<string, CollectionSync> _lastSync = new(StringComparer.Ordinal);
    private IngestStatus _status = new(SyncState.Idle, null, null, null, null, null, null);
    private CancellationTokenSource? _cancel;
    private Task _run = Task.CompletedTask;
    private long _documentsIngested, _runs;
    private readonly TaskCompletionSource _startSyncEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _startSyncRequested;

    /// <summary>Completes when the sync at start has ended, however it ended (jobs read the collections after it).</summary>
    public Task StartSyncEnded => _startSyncEnded.Task;

    public IngestStatus Status { get { lock (_gate) return _status with { Queued = [.. _queue.Select(q => q.Collection)] }; } }

    /// <summary>Documents added or updated by runs since the agent started (for /metrics).</summary>
    public long DocumentsIngested => Interlocked.Read(ref _documentsIngested);

    /// <summary>Sync runs finished since the agent started (for /metrics).</summary>
    public long Runs => Interlocked.Read(ref _runs);

    /// <summary>Syncs waiting for the current run to end.</summary>
    public int QueueLength { get { lock (_gate) return _queue.Count; } }

    /// <summary>Each collection's last finished sync.</summary>
    public IReadOnlyDictionary<string, CollectionSync> LastSyncs { get { lock (_gate) return new Dictionary<string, CollectionSync>(_lastSync); } }

    /// <summary>Starts a sync now, or queues it behind the running one.</summary>
    /// <returns>The status after the request: running it, or with it queued.</returns>
    public IngestStatus Request(string? collection, SyncTrigger trigger)
    {
        lock (_gate)
        {
            _startSyncRequested |= trigger == SyncTrigger.Start;
            if (_status.State == SyncState.Running) Enqueue(collection, trigger);
            else StartLocked(collection, trigger);
            return _status with { Queued = [.. _queue.Select(q => q.Collection)] };
        }
    }

    /// <summary>Stops the running sync and drops the queued ones; what was committed stays.</summary>
    public bool Cancel()
    {
        lock (_gate)
        {
            if (_status.State != SyncState.Running) return false;
            _queue.Clear();
            _cancel!.Cancel();
            return true;
        }
    }

    /// <summary>The agent stops: the running sync is cancelled and awaited (briefly), so the library is not closed under it.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        Task run;
        lock (_gate)
        {
            _queue.Clear();
            if (_status.State == SyncState.Running) _cancel!.Cancel();
            run = _run;
        }
        try
        {
            await run.WaitAsync(grace);
        }
        catch (TimeoutException)
        {
            log.LogWarning("the sync did not stop within {Seconds} s; the agent stops anyway (each document is whole or absent)", grace.TotalSeconds);
        }
    }

    /// <summary>Waits until no sync runs and none is queued (tests, shutdown).</summary>
    public async Task IdleAsync(CancellationToken ct)
    {
        while (true)
        {
            Task run;
            lock (_gate)
            {
                if (_status.State != SyncState.Running && _queue.Count == 0) return;
                run = _run;
            }
            await run.WaitAsync(ct);
        }
    }

    private void Enqueue(string? collection, SyncTrigger trigger)
    {
        // Already covered: the same collection, or every collection, waits already.
        if (_queue.Any(q => q.Collection is null || q.Collection == collection)) return;
        if (collection is null) _queue.Clear();
        _queue.Add((collection, trigger));
    }

    private void StartLocked(string? collection, SyncTrigger trigger)
    {
        _cancel?.Dispose();
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(lifetime.ApplicationStopping);
        _status = new IngestStatus(SyncState.Running, collection, null, null, null, clock.GetUtcNow(), null) { Trigger = trigger };
        var token = _cancel.Token;
        _run = Task.Run(() => RunAsync(collection, trigger, token));
    }

    private async Task RunAsync(string? collection, SyncTrigger trigger, CancellationToken ct)
    {
        var progress = new Progress(p => { lock (_gate) _status = _status with { Progress = p }; });
        try
        {
            var report = await library.IngestAsync(collection, progress, ct);
            Interlocked.Add(ref _documentsIngested, report.Added + report.Updated);
            if (report.Added + report.Updated + report.Erased > 0 || trigger != SyncTrigger.Change)
                log.LogInformation("sync ({Trigger}) of {Collection}: {Added} added, {Updated} updated, {Erased} erased, {Skipped} skipped",
                    trigger, collection ?? "every collection", report.Added, report.Updated, report.Erased, report.Skipped.Count);
            Finish(report.Cancelled ? SyncState.Cancelled : SyncState.Done, report, null);
        }
        catch (Exception e) when (e is OperationCanceledException || ct.IsCancellationRequested)
        {
            // Stopped (cancelled, or the agent shuts down and its parts go away under the run): what was committed stays.
            Finish(SyncState.Cancelled, null, null);
        }
        catch (DocumentLibraryException e)
        {
            Finish(SyncState.Failed, null, e.Message);
        }
        catch (Exception e)
        {
            log.LogError(e, "sync failed");
            Finish(SyncState.Failed, null, "the sync failed; the error is in the agent's log");
        }
    }

    private void Finish(SyncState state, IngestReport? report, string? error)
    {
        Interlocked.Increment(ref _runs);
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            _status = _status with { State = state, Report = report, Error = error, Finished = now };
            // The sync at start may have been merged into one already queued: it has ended once nothing of it waits.
            if (_startSyncRequested && _queue.Count == 0) _startSyncEnded.TrySetResult();
            if (report is not null)
                foreach (var id in _status.Collection is { } one ? [one] : _collections)
                    _lastSync[id] = new CollectionSync(id, now, _status.Trigger ?? SyncTrigger.Admin, state,
                        [.. report.Skipped.Where(s => s.CollectionId == id)]);
            if (_queue.Count > 0 && !lifetime.ApplicationStopping.IsCancellationRequested)
            {
                var (next, trigger) = _queue[0];
                _queue.RemoveAt(0);
                StartLocked(next, trigger);
            }
        }
    }

    // Progress<T> would post to a captured context; here every report is applied at once.
    private sealed class Progress(Action<IngestProgress> apply) : IProgress<IngestProgress>
    {
        public void Report(IngestProgress value) => apply(value);
    }
}
