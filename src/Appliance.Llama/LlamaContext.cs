using System.Runtime.InteropServices;
using Appliance.Llama.Native;

namespace Appliance.Llama;

/// <summary>A context (llama_context*): the KV cache and compute state for one model.</summary>
public sealed class LlamaContext : SafeHandle
{
    private LlamaModel? _model;

    private LlamaContext() : base(0, ownsHandle: true) { }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        LlamaApi.llama_free(handle);
        _model?.DangerousRelease();
        return true;
    }

    /// <summary>llama_init_from_model with the defaults changed only where <paramref name="options"/> says; null when llama.cpp refuses them.</summary>
    public static LlamaContext? InitFromModel(LlamaModel model, LlamaContextOptions options) => InitFromModel(model, options.ToNative());

    /// <summary>llama_init_from_model; null when llama.cpp refuses the parameters. Keeps the model alive while the context lives.</summary>
    public static LlamaContext? InitFromModel(LlamaModel model, LlamaContextParams parameters)
    {
        var added = false;
        model.DangerousAddRef(ref added);
        var ctx = LlamaApi.llama_init_from_model(model.DangerousGetHandle(), parameters);
        if (ctx == 0)
        {
            model.DangerousRelease();
            return null;
        }
        var result = new LlamaContext { _model = model };
        result.SetHandle(ctx);
        return result;
    }

    internal nint Pointer => handle;
    private nint Memory => LlamaApi.llama_get_memory(handle);
    public uint ContextSize => LlamaApi.llama_n_ctx(handle);
    public uint ContextSizePerSequence => LlamaApi.llama_n_ctx_seq(handle);
    public uint BatchSize => LlamaApi.llama_n_batch(handle);
    public uint MicroBatchSize => LlamaApi.llama_n_ubatch(handle);
    public uint MaxSequences => LlamaApi.llama_n_seq_max(handle);
    public int Threads => LlamaApi.llama_n_threads(handle);
    public int BatchThreads => LlamaApi.llama_n_threads_batch(handle);
    public LlamaPoolingType PoolingType => (LlamaPoolingType)LlamaApi.llama_pooling_type(handle);

    /// <summary>llama_decode: 0 ok, 1 no KV slot for the batch, 2 aborted, negative error.</summary>
    public int Decode(LlamaBatch batch) => LlamaApi.llama_decode(handle, batch.Data);

    /// <summary>llama_synchronize: waits until the last decode's computation has finished (for timing).</summary>
    public void Synchronize() => LlamaApi.llama_synchronize(handle);

    public unsafe ReadOnlySpan<float> EmbeddingsOfSequence(int seqId, int length)
    {
        var p = LlamaApi.llama_get_embeddings_seq(handle, seqId);
        return p is null ? default : new ReadOnlySpan<float>(p, length);
    }

    public unsafe ReadOnlySpan<float> EmbeddingsOfToken(int i, int length)
    {
        var p = LlamaApi.llama_get_embeddings_ith(handle, i);
        return p is null ? default : new ReadOnlySpan<float>(p, length);
    }

    public void MemoryClear() => LlamaApi.llama_memory_clear(Memory, 1);
    public bool MemorySeqRemove(int seqId, int p0, int p1) => LlamaApi.llama_memory_seq_rm(Memory, seqId, p0, p1) != 0;
    public void MemorySeqCopy(int src, int dst, int p0, int p1) => LlamaApi.llama_memory_seq_cp(Memory, src, dst, p0, p1);
    public int MemorySeqPosMax(int seqId) => LlamaApi.llama_memory_seq_pos_max(Memory, seqId);
}
