using Appliance.Config;
using Appliance.Rag;
using Appliance.Rag.Ingestion;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Appliance.Agent.Documents;

/// <summary>One collection on the admin's Indexing page: how much is searchable, its last sync, what was skipped and why.</summary>
public sealed record CollectionIndexing(string Id, string Title, long Documents, long Unreadable, long Chunks, CollectionSync? LastSync);

/// <summary>Whether the agent syncs by itself, what it watches, and when the next full sync is due.</summary>
public sealed record AutomaticSync(bool Enabled, int WatchedFolders, IReadOnlyList<string> UnwatchedFolders, DateTimeOffset? NextFullSync,
    int SettleSeconds, int IntervalMinutes);

/// <summary>GET /api/ingest: the run going on (or the last) and the queue, as <see cref="IngestStatus"/>; every collection; the automatic sync.</summary>
public sealed record IndexingOverview(SyncState State, string? Collection, SyncTrigger? Trigger, IngestProgress? Progress, IngestReport? Report,
    string? Error, DateTimeOffset? Started, DateTimeOffset? Finished, IReadOnlyList<string?> Queued,
    IReadOnlyList<CollectionIndexing> Collections, AutomaticSync Automatic)
{
    public IndexingOverview(IngestStatus run, IReadOnlyList<CollectionIndexing> collections, AutomaticSync automatic)
        : this(run.State, run.Collection, run.Trigger, run.Progress, run.Report, run.Error, run.Started, run.Finished, run.Queued, collections, automatic)
    {
    }
}

/// <summary>/api/ingest: bring collections up to date with their folders ("sync now"), watch progress, cancel.</summary>
public static class IngestEndpoints
{
    public sealed record StartBody(string? Collection);

    /// <summary>Starts a sync, or queues it behind the running one (202 either way; the status says which).</summary>
    public static IResult Start(StartBody? body, IngestionJobs jobs, ApplianceConfig config)
    {
        if (body?.Collection is { } id && config.Rag.Collections.All(c => c.Id != id))
            return TypedResults.Problem(statusCode: 404, title: "no such collection",
                detail: $"configured collections: {string.Join(", ", config.Rag.Collections.Select(c => c.Id))}");
        return TypedResults.Accepted("/api/ingest", jobs.Request(body?.Collection, SyncTrigger.Admin));
    }

    public static Ok<IndexingOverview> Progress(IngestionJobs jobs, FolderWatch watch, DocumentLibrary library, ApplianceConfig config)
    {
        var counts = library.CountsByCollection();
        var last = jobs.LastSyncs;
        var collections = config.Rag.Collections.Select(c =>
        {
            var n = counts.GetValueOrDefault(c.Id) ?? new CollectionCounts(0, 0, 0);
            return new CollectionIndexing(c.Id, c.Title, n.Ready, n.Failed, n.Chunks, last.GetValueOrDefault(c.Id));
        }).ToList();
        var sync = config.Rag.Sync;
        return TypedResults.Ok(new IndexingOverview(jobs.Status, collections,
            new AutomaticSync(sync.Enabled, watch.WatchedFolders, sync.Enabled ? watch.Unwatched : [], sync.Enabled ? watch.NextFullSync : null,
                sync.SettleSeconds, sync.IntervalMinutes)));
    }

    public static Results<Accepted<IngestStatus>, NotFound> Cancel(IngestionJobs jobs) =>
        jobs.Cancel() ? TypedResults.Accepted("/api/ingest", jobs.Status) : TypedResults.NotFound();
}
