using Appliance.Llama.Native;

namespace Appliance.Llama;

/// <summary>
/// What a context is created with, in the C API's own terms: everything not named here keeps
/// llama_context_default_params()'s value, so the hand-laid struct is filled in one place only.
/// </summary>
/// <param name="ContextSize">n_ctx: KV cells in total (split evenly across sequences unless <paramref name="UnifiedKv"/>)</param>
/// <param name="BatchSize">n_batch: tokens one llama_decode may take</param>
/// <param name="MicroBatchSize">n_ubatch: tokens computed together inside one decode</param>
/// <param name="Sequences">n_seq_max</param>
/// <param name="Threads">n_threads and n_threads_batch</param>
/// <param name="UnifiedKv">kv_unified: one KV pool shared by all sequences instead of one stream each</param>
/// <param name="Embeddings">embeddings: the context yields embeddings instead of logits</param>
/// <param name="Pooling">pooling_type; Unspecified lets the model's metadata decide</param>
public sealed record LlamaContextOptions(
    int ContextSize,
    int BatchSize,
    int MicroBatchSize,
    int Sequences,
    int Threads,
    bool UnifiedKv = false,
    bool Embeddings = false,
    LlamaPoolingType Pooling = LlamaPoolingType.Unspecified)
{
    internal LlamaContextParams ToNative()
    {
        var p = LlamaApi.llama_context_default_params();
        p.n_ctx = (uint)ContextSize;
        p.n_batch = (uint)BatchSize;
        p.n_ubatch = (uint)Math.Min(MicroBatchSize, BatchSize);
        p.n_seq_max = (uint)Sequences;
        p.n_threads = p.n_threads_batch = Threads;
        p.kv_unified = UnifiedKv ? (byte)1 : (byte)0;
        p.embeddings = Embeddings ? (byte)1 : (byte)0;
        p.pooling_type = (int)Pooling;
        return p;
    }
}
