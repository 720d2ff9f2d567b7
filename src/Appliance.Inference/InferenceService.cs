using Appliance.Config;
using Appliance.Llama;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Appliance.Inference;

/// <summary>
/// The appliance's inference, started from appliance.yaml: with backend llama the chat and
/// embedding models run in-process (each file checked against its configured SHA-256 and the
/// memory budget); with backend openai everything goes to the configured upstreams.
/// </summary>
public sealed class InferenceService : IAsyncDisposable
{
    private readonly Func<InferenceStats> _stats;
    private readonly Func<ValueTask> _dispose;

    private InferenceService(IChatClient chat, IEmbeddingGenerator<string, Embedding<float>> embeddings,
        LoadedModel chatModel, LoadedModel embeddingModel, Func<InferenceStats> stats, Func<ValueTask> dispose)
    {
        Chat = chat;
        Embeddings = embeddings;
        ChatModel = chatModel;
        EmbeddingModel = embeddingModel;
        _stats = stats;
        _dispose = dispose;
    }

    public IChatClient Chat { get; }
    public IEmbeddingGenerator<string, Embedding<float>> Embeddings { get; }
    public LoadedModel ChatModel { get; }
    public LoadedModel EmbeddingModel { get; }
    public InferenceStats Stats => _stats();

    public static Task<InferenceService> StartAsync(ApplianceConfig config, string configDirectory, ILoggerFactory loggers, CancellationToken ct) =>
        config.Inference.Backend == InferenceBackend.OpenAi
            ? Task.FromResult(StartUpstream(config, loggers))
            : StartLlamaAsync(config, configDirectory, loggers, ct);

    /// <summary>
    /// The memory the models may take: inference.gpu_wired_limit_mb when set, otherwise three
    /// quarters of the machine's RAM (macOS's default GPU wired limit), and never more than this
    /// host actually has.
    /// </summary>
    public static long MemoryBudgetBytes(ApplianceConfig config)
    {
        var configured = config.Inference.GpuWiredLimitMb.Value is { } mb
            ? mb * 1048576L
            : config.Machine.MemoryGb * 1073741824L / 4 * 3;
        return Math.Min(configured, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
    }

    /// <summary>
    /// `threads: auto` leaves one core to the web server, ingestion and the OS. ggml's threads wait for
    /// each other at every step, so one of them preempted stalls them all: on a 2-core box with every
    /// core given to llama.cpp, decoding and embedding collapsed under load (300 ms for one tiny query
    /// embedding at load 20, against a few ms on one thread). On a Mac with Metal the GPU does the work.
    /// </summary>
    internal static int AutoThreads(int processors) => Math.Max(1, processors - 1);

    private static async Task<InferenceService> StartLlamaAsync(ApplianceConfig config, string configDirectory, ILoggerFactory loggers, CancellationToken ct)
    {
        var log = loggers.CreateLogger("Appliance.Inference");
        var runtime = LlamaRuntime.Load(loggers);
        var loader = new ModelLoader(runtime);
        var threads = config.Inference.Threads.Value ?? AutoThreads(Environment.ProcessorCount);
        var budget = MemoryBudgetBytes(config);

        var chatSpec = config.Models.Chat;
        var (chatHandle, chatModel, _) = await loader.LoadAsync(
            new ModelRequest(chatSpec.Name, ConfigPaths.ModelFile(config, chatSpec, configDirectory), chatSpec.Sha256.Hex, budget), ct);
        var cleanup = new List<Func<ValueTask>> { () => { chatHandle.Dispose(); return ValueTask.CompletedTask; } };
        try
        {
            var embedSpec = config.Models.Embedding;
            var (embedHandle, embedModel, embedHeader) = await loader.LoadAsync(
                new ModelRequest(embedSpec.Name, ConfigPaths.ModelFile(config, embedSpec, configDirectory), embedSpec.Sha256.Hex, budget - chatModel.SizeBytes), ct);
            cleanup.Insert(0, () => { embedHandle.Dispose(); return ValueTask.CompletedTask; });

            var embedder = new LlamaEmbedder(embedHandle, embedHeader, threads, Math.Min(embedSpec.ContextLength, embedModel.ContextLength));
            cleanup.Insert(0, () => { embedder.Dispose(); return ValueTask.CompletedTask; });

            var perSequence = Math.Min(chatSpec.ContextLength, chatModel.ContextLength);
            var kvBytes = chatHandle.KvCacheBytes((long)perSequence * chatSpec.Parallel);
            if (chatModel.SizeBytes + embedModel.SizeBytes + kvBytes > budget)
                throw new ModelLoadException(
                    $"model '{chatSpec.Name}': the weights ({chatModel.SizeBytes / 1048576.0:F0} MiB), the embedding model ({embedModel.SizeBytes / 1048576.0:F0} MiB) " +
                    $"and the KV cache for {chatSpec.Parallel} × {perSequence} tokens ({kvBytes / 1048576.0:F0} MiB) exceed the memory budget of " +
                    $"{budget / 1048576.0:F0} MiB (lower models.chat.parallel or context_length, or raise inference.gpu_wired_limit_mb)");
            var scheduler = new DecodeScheduler(chatHandle,
                new SchedulerOptions(chatSpec.Parallel, perSequence, config.Inference.QueueLimit, threads),
                loggers.CreateLogger<DecodeScheduler>());
            cleanup.Insert(0, scheduler.DisposeAsync);

            chatModel = chatModel with { ContextLength = perSequence };
            var chat = new LlamaChatClient(scheduler, new ChatPromptFormat(chatHandle), chatModel);
            var embeddings = new LlamaEmbeddingGenerator(embedder, embedModel, owned: null);
            log.LogInformation("inference: chat {Chat} ({ChatMiB:F0} MiB, {Parallel} sequences × {Context} tokens), embeddings {Embed}, {Threads} threads{TestNote}",
                chatModel.Name, chatModel.SizeBytes / 1048576.0, chatSpec.Parallel, perSequence, embedModel.Name, threads,
                chatModel.IsTestModel ? " — TEST MODEL with random weights: its output is meaningless" : "");
            var weights = chatHandle.SizeBytes + embedHandle.SizeBytes;
            return new InferenceService(chat, embeddings, chatModel, embedModel, () => scheduler.Stats with { ModelMemoryBytes = weights }, () => DisposeAll(cleanup));
        }
        catch
        {
            await DisposeAll(cleanup);
            throw;
        }
    }

    private static InferenceService StartUpstream(ApplianceConfig config, ILoggerFactory loggers)
    {
        if (config.Inference.Upstreams.Count == 0)
            throw new ArgumentException("inference.backend is openai but inference.upstreams is empty");
        var pool = new UpstreamPool(config.Inference.Upstreams, loggers.CreateLogger<UpstreamPool>());
        var chat = new UpstreamChatClient(pool, config.Models.Chat.Name);
        var embeddings = new UpstreamEmbeddingGenerator(pool, config.Models.Embedding.Name);
        var where = string.Join(", ", config.Inference.Upstreams);
        return new InferenceService(chat, embeddings,
            new LoadedModel(config.Models.Chat.Name, where, config.Models.Chat.Sha256.Hex, 0, false, config.Models.Chat.ContextLength),
            new LoadedModel(config.Models.Embedding.Name, where, config.Models.Embedding.Sha256.Hex, 0, false, config.Models.Embedding.ContextLength),
            pool.Stats, pool.DisposeAsync);
    }

    private static async ValueTask DisposeAll(List<Func<ValueTask>> cleanup)
    {
        foreach (var step in cleanup) await step();
        cleanup.Clear();
    }

    public ValueTask DisposeAsync() => _dispose();
}
