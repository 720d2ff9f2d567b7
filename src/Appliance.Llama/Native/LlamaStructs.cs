using System.Runtime.InteropServices;

namespace Appliance.Llama.Native;

// Layouts of the pinned build (see ../shared/design/LLAMA.md). They are newer than most public
// header text: `load_mode` replaced the mmap/mlock bools and the context grew fields. A wrong size
// corrupts memory silently, so the sizes are fixed here and guarded by the layout canary test.
// C `bool` is one byte: every flag is a `byte`.

/// <summary>llama_model_params (80 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 80)]
public struct LlamaModelParams
{
    [FieldOffset(0x00)] public nint devices;
    [FieldOffset(0x08)] public nint tensor_buft_overrides;
    [FieldOffset(0x10)] public int n_gpu_layers;
    [FieldOffset(0x14)] public int split_mode;
    [FieldOffset(0x18)] public int load_mode;
    [FieldOffset(0x1C)] public int lazy_mode;
    [FieldOffset(0x20)] public int main_gpu;
    [FieldOffset(0x28)] public nint tensor_split;
    [FieldOffset(0x30)] public nint progress_callback;
    [FieldOffset(0x38)] public nint progress_callback_user_data;
    [FieldOffset(0x40)] public nint kv_overrides;
    [FieldOffset(0x48)] public byte vocab_only;
    [FieldOffset(0x49)] public byte check_tensors;
    [FieldOffset(0x4A)] public byte use_extra_bufts;
    [FieldOffset(0x4B)] public byte no_host;
    [FieldOffset(0x4C)] public byte no_alloc;
    [FieldOffset(0x4D)] public byte load_mtp;
}


/// <summary>llama_context_params (160 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 160)]
public struct LlamaContextParams
{
    [FieldOffset(0x00)] public uint n_ctx;
    [FieldOffset(0x04)] public uint n_batch;
    [FieldOffset(0x08)] public uint n_ubatch;
    [FieldOffset(0x0C)] public uint n_seq_max;
    [FieldOffset(0x10)] public uint n_rs_seq;
    [FieldOffset(0x14)] public uint n_outputs_max;
    [FieldOffset(0x18)] public uint n_outputs_max_per_seq;
    [FieldOffset(0x1C)] public int n_threads;
    [FieldOffset(0x20)] public int n_threads_batch;
    [FieldOffset(0x24)] public int ctx_type;
    [FieldOffset(0x28)] public int rope_scaling_type;
    [FieldOffset(0x2C)] public int pooling_type;
    [FieldOffset(0x30)] public int attention_type;
    [FieldOffset(0x34)] public int flash_attn_type;
    [FieldOffset(0x38)] public float rope_freq_base;
    [FieldOffset(0x3C)] public float rope_freq_scale;
    [FieldOffset(0x40)] public float yarn_ext_factor;
    [FieldOffset(0x44)] public float yarn_attn_factor;
    [FieldOffset(0x48)] public float yarn_beta_fast;
    [FieldOffset(0x4C)] public float yarn_beta_slow;
    [FieldOffset(0x50)] public uint yarn_orig_ctx;
    [FieldOffset(0x54)] public float defrag_thold;
    [FieldOffset(0x58)] public nint cb_eval;
    [FieldOffset(0x60)] public nint cb_eval_user_data;
    [FieldOffset(0x68)] public int type_k;
    [FieldOffset(0x6C)] public int type_v;
    [FieldOffset(0x70)] public nint abort_callback;
    [FieldOffset(0x78)] public nint abort_callback_data;
    [FieldOffset(0x80)] public byte embeddings;
    [FieldOffset(0x81)] public byte offload_kqv;
    [FieldOffset(0x82)] public byte no_perf;
    [FieldOffset(0x83)] public byte op_offload;
    [FieldOffset(0x84)] public byte swa_full;
    [FieldOffset(0x85)] public byte kv_unified;
    [FieldOffset(0x88)] public nint samplers;
    [FieldOffset(0x90)] public nuint n_samplers;
    [FieldOffset(0x98)] public nint ctx_other;
}

/// <summary>llama_batch (56 bytes): parallel arrays allocated by llama_batch_init.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct LlamaBatchData
{
    public int n_tokens;
    public int* token;
    public float* embd;
    public int* pos;
    public int* n_seq_id;
    public int** seq_id;
    public sbyte* logits;
}

/// <summary>llama_chat_message: two UTF-8 C strings.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct LlamaChatMessage
{
    public byte* role;
    public byte* content;
}

/// <summary>llama_sampler_chain_params: one bool.</summary>
[StructLayout(LayoutKind.Sequential, Size = 1)]
public struct LlamaSamplerChainParams
{
    public byte no_perf;
}
