using System.Runtime.InteropServices;
using Appliance.Llama.Native;

namespace Appliance.Llama;

/// <summary>A token batch (llama_batch from llama_batch_init) that is refilled for every decode.</summary>
public sealed unsafe class LlamaBatch : SafeHandle
{
    private LlamaBatchData _data;

    public LlamaBatch(int capacity, int maxSequencesPerToken = 1) : base(0, ownsHandle: true)
    {
        _data = LlamaApi.llama_batch_init(capacity, 0, maxSequencesPerToken);
        SetHandle((nint)_data.token);
        Capacity = capacity;
        _data.n_tokens = 0;
    }

    public int Capacity { get; }
    public int Count => _data.n_tokens;
    public LlamaBatchData Data => _data;

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        LlamaApi.llama_batch_free(_data);
        return true;
    }

    public void Clear() => _data.n_tokens = 0;

    /// <summary>Appends one token of one sequence; returns its index in the batch (for logits/sampling).</summary>
    public int Add(int token, int position, int seqId, bool wantLogits)
    {
        var i = _data.n_tokens;
        if (i >= Capacity) throw new InvalidOperationException($"batch is full ({Capacity} tokens)");
        _data.token[i] = token;
        _data.pos[i] = position;
        _data.n_seq_id[i] = 1;
        _data.seq_id[i][0] = seqId;
        _data.logits[i] = wantLogits ? (sbyte)1 : (sbyte)0;
        _data.n_tokens = i + 1;
        return i;
    }
}
