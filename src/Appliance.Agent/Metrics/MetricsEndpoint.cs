using Appliance.Agent.Answers;
using Appliance.Agent.Audit;
using Appliance.Agent.Documents;
using Appliance.Rag;

namespace Appliance.Agent.Metrics;

/// <summary>/metrics in Prometheus text format: HTTP, inference load and speed, the index, the query log.</summary>
public static class MetricsEndpoint
{
    public static async Task<IResult> GetAsync(RequestMetrics requests, QueryLog log, ServedModels models, DocumentLibrary library,
        IngestionJobs ingestion, FolderWatch watch, StreamClock streams, CancellationToken ct)
    {
        var text = new PrometheusText();
        requests.WriteTo(text);
        if (models.Stats?.Invoke() is { } stats)
        {
            text.Gauge("appliance_inference_queue_depth", "requests waiting for a free sequence", stats.QueueDepth);
            text.Gauge("appliance_inference_active_sequences", "sequences being decoded right now", stats.ActiveSequences);
            var byClass = text.Family("appliance_inference_requests_total", "counter", "generation requests accepted since start, per class of work");
            foreach (var (workClass, count) in stats.RequestsByClass)
                byClass.Sample("appliance_inference_requests_total", count, ("class", workClass.ToString().ToLowerInvariant()));
            text.Counter("appliance_inference_prompt_tokens_total", "prompt tokens processed since start", stats.PromptTokensTotal);
            text.Counter("appliance_inference_completion_tokens_total", "completion tokens generated since start", stats.CompletionTokensTotal);
            text.Gauge("appliance_inference_decode_tokens_per_second", "recent decode speed over all sequences", stats.RecentDecodeTokensPerSecond);
            text.Gauge("appliance_model_memory_bytes", "memory held by the loaded models", stats.ModelMemoryBytes);
            var loop = text.Family("appliance_decode_loop_seconds_total", "counter", "wall time of the decode loop since start, per part (engine = inside llama_decode)");
            foreach (var (part, time) in stats.LoopTime)
                loop.Sample("appliance_decode_loop_seconds_total", time.TotalSeconds, ("part", Snake(part.ToString())));
        }
        var streamed = streams.Snapshot();
        var streaming = text.Family("appliance_stream_seconds_total", "counter", "wall time request threads spent streaming answers since start, per part");
        foreach (var (part, (time, _)) in streamed)
            streaming.Sample("appliance_stream_seconds_total", time.TotalSeconds, ("part", Snake(part.ToString())));
        var calls = text.Family("appliance_stream_calls_total", "counter", "calls timed in appliance_stream_seconds_total, per part");
        foreach (var (part, (_, count)) in streamed)
            calls.Sample("appliance_stream_calls_total", count, ("part", Snake(part.ToString())));
        if (models.ChatModel is { } chat)
            text.Family("appliance_model_info", "gauge", "the served models (value 1); test=1 marks generated models with meaningless output")
                .Sample("appliance_model_info", 1, ("role", "chat"), ("name", chat.Name), ("sha256", chat.Sha256), ("test", chat.IsTestModel ? "1" : "0"));
        var (documents, chunks) = library.Totals();
        text.Gauge("appliance_index_documents", "documents in the index", documents);
        text.Gauge("appliance_index_chunks", "chunks in the index", chunks);
        text.Gauge("appliance_index_bytes", "size of the index database file", File.Exists(library.DatabasePath) ? new FileInfo(library.DatabasePath).Length : 0);
        text.Counter("appliance_ingested_documents_total", "documents added or updated by ingestion runs since start", ingestion.DocumentsIngested);
        WriteSync(text, library, ingestion, watch);
        text.Gauge("appliance_query_log_entries", "entries in the query log", await log.CountAsync(ct));
        ProcessMemory.WriteTo(text);
        return TypedResults.Text(text.ToString(), "text/plain; version=0.0.4; charset=utf-8");
    }

    private static string Snake(string name) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(name);

    private static void WriteSync(PrometheusText text, DocumentLibrary library, IngestionJobs ingestion, FolderWatch watch)
    {
        text.Gauge("appliance_sync_running", "1 while a sync of source folders runs", ingestion.Status.State == SyncState.Running ? 1 : 0);
        text.Gauge("appliance_sync_queued", "syncs waiting for the running one", ingestion.QueueLength);
        text.Counter("appliance_sync_runs_total", "syncs finished since start (at start, on changes, periodic, asked for)", ingestion.Runs);
        text.Gauge("appliance_sync_watched_folders", "source folders watched for changes", watch.WatchedFolders);
        var counts = library.CountsByCollection();
        var unreadable = text.Family("appliance_index_unreadable_documents", "gauge", "documents that could not be read, per collection (reasons on the Indexing page)");
        foreach (var (collection, n) in counts.OrderBy(c => c.Key, StringComparer.Ordinal))
            unreadable.Sample("appliance_index_unreadable_documents", n.Failed, ("collection", collection));
        var last = text.Family("appliance_sync_last_finished_seconds", "gauge", "when each collection was last synced (Unix time)");
        foreach (var (collection, sync) in ingestion.LastSyncs.OrderBy(c => c.Key, StringComparer.Ordinal))
            last.Sample("appliance_sync_last_finished_seconds", sync.Finished.ToUnixTimeSeconds(), ("collection", collection));
    }
}
