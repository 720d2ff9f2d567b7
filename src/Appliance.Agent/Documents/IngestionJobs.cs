using Appliance.Rag;
using Appliance.Rag.Ingestion;

namespace Appliance.Agent.Documents;

/// <summary>Where the one ingestion run the agent allows at a time stands.</summary>
public sealed record IngestStatus(
    string State,
    string? Collection,
    IngestProgress? Progress,
    IngestReport? Report,
    string? Error,
    DateTimeOffset? Started,
    DateTimeOffset? Finished);

/// <summary>Runs ingestion in the background for /api/ingest: start, watch progress, cancel. One run at a time.</summary>
public sealed class IngestionJobs(DocumentLibrary library, TimeProvider clock, IHostApplicationLifetime lifetime, ILogger<IngestionJobs> log)
{
    private readonly Lock _gate = new();
    private IngestStatus _status = new("idle", null, null, null, null, null, null);
    private CancellationTokenSource? _cancel;
    private Task _run = Task.CompletedTask;
    private long _documentsIngested;

    public IngestStatus Status { get { lock (_gate) return _status; } }

    /// <summary>Documents added or updated by runs since the agent started (for /metrics).</summary>
    public long DocumentsIngested => Interlocked.Read(ref _documentsIngested);

    /// <returns>The new run's status, or null when a run is already going.</returns>
    public IngestStatus? Start(string? collection)
    {
        lock (_gate)
        {
            if (_status.State == "running") return null;
            _cancel = CancellationTokenSource.CreateLinkedTokenSource(lifetime.ApplicationStopping);
            _status = new IngestStatus("running", collection, null, null, null, clock.GetUtcNow(), null);
            var token = _cancel.Token;
            _run = Task.Run(() => RunAsync(collection, token));
            return _status;
        }
    }

    public bool Cancel()
    {
        lock (_gate)
        {
            if (_status.State != "running") return false;
            _cancel!.Cancel();
            return true;
        }
    }

    /// <summary>Waits for the current run to end (tests, shutdown).</summary>
    public Task Completion { get { lock (_gate) return _run; } }

    private async Task RunAsync(string? collection, CancellationToken ct)
    {
        var progress = new Progress(p => { lock (_gate) _status = _status with { Progress = p }; });
        try
        {
            var report = await library.IngestAsync(collection, progress, ct);
            Interlocked.Add(ref _documentsIngested, report.Added + report.Updated);
            Finish(report.Cancelled ? "cancelled" : "done", report, null);
        }
        catch (OperationCanceledException)
        {
            Finish("cancelled", null, null);
        }
        catch (DocumentLibraryException e)
        {
            Finish("failed", null, e.Message);
        }
        catch (Exception e)
        {
            log.LogError(e, "ingestion failed");
            Finish("failed", null, "ingestion failed; the error is in the agent's log");
        }
    }

    private void Finish(string state, IngestReport? report, string? error)
    {
        lock (_gate) _status = _status with { State = state, Report = report, Error = error, Finished = clock.GetUtcNow() };
    }

    // Progress<T> would post to a captured context; here every report is applied at once.
    private sealed class Progress(Action<IngestProgress> apply) : IProgress<IngestProgress>
    {
        public void Report(IngestProgress value) => apply(value);
    }
}
