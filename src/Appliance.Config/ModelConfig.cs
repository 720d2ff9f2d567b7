using System.Net;

namespace Appliance.Config;

// appliance.yaml's models: which ones, where they come from, how they run.
public sealed record ModelSet
{
    public required ModelSpec Chat { get; init; }
    public required ModelSpec Embedding { get; init; }
    public ModelSpec? Reranker { get; init; }
}

public sealed record ModelSpec
{
    public required string Name { get; init; }

    [Doc("GGUF file; relative paths are resolved against storage.models")]
    public required string File { get; init; }

    public required Sha256 Sha256 { get; init; }

    [Doc("where `provision models pull` fetches it (https)")]
    public Uri? Source { get; init; }

    public string? License { get; init; }

    [Range(256, 1048576)]
    public int ContextLength { get; init; } = 8192;

    [Doc("sequences decoded together (continuous batching)"), Range(1, 256)]
    public int Parallel { get; init; } = 4;
}

public enum InferenceBackend { Llama, [ConfigName("openai")] OpenAi }

public sealed record InferenceSettings
{
    public InferenceBackend Backend { get; init; } = InferenceBackend.Llama;

    [Doc("OpenAI-compatible base URLs, used when backend is openai")]
    public IReadOnlyList<Uri> Upstreams { get; init; } = [];

    [Doc("CPU threads for llama.cpp: auto or a number")]
    public AutoOrNumber Threads { get; init; } = AutoOrNumber.Auto;

    [Doc("iogpu.wired_limit_mb: auto (computed from RAM and models) or megabytes")]
    public AutoOrNumber GpuWiredLimitMb { get; init; } = AutoOrNumber.Auto;

    [Doc("requests waiting beyond the parallel sequences before the agent answers 429"), Range(0, 10000)]
    public int QueueLimit { get; init; } = 64;
}
