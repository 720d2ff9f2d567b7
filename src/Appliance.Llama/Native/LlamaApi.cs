using System.Runtime.InteropServices;

namespace Appliance.Llama.Native;

/// <summary>
/// The C API, one-to-one. Logical library names ("llama", "ggml") are mapped to the pinned,
/// versioned files by <see cref="LlamaRuntime"/>, which must be loaded before any call.
/// Signatures follow this build's exports; where this API generation changed a signature
/// (penalties take n_vocab first again) the disassembly of the pinned build was the reference.
/// </summary>
public static unsafe class LlamaApi
{
    private const string Llama = "llama";
    private const string Ggml = "ggml";

    // ggml backends
    [DllImport(Ggml)] public static extern void ggml_backend_load_all_from_path(byte* dir);
    [DllImport(Ggml)] public static extern nuint ggml_backend_reg_count();
    [DllImport(Ggml)] public static extern nuint ggml_backend_dev_count();

    // process
    [DllImport(Llama)] public static extern void llama_backend_init();
    [DllImport(Llama)] public static extern void llama_log_set(delegate* unmanaged[Cdecl]<int, byte*, void*, void> callback, void* userData);
    [DllImport(Llama)] public static extern byte* llama_print_system_info();
    [DllImport(Llama)] public static extern nuint llama_max_parallel_sequences();
    [DllImport(Llama)] public static extern long llama_time_us();

    // defaults (returned through a hidden pointer; the marshaller handles it for blittable structs)
    [DllImport(Llama)] public static extern LlamaModelParams llama_model_default_params();
    [DllImport(Llama)] public static extern LlamaContextParams llama_context_default_params();
    [DllImport(Llama)] public static extern LlamaSamplerChainParams llama_sampler_chain_default_params();

    // model
    [DllImport(Llama)] public static extern nint llama_model_load_from_file(byte* path, LlamaModelParams parameters);
    [DllImport(Llama)] public static extern void llama_model_free(nint model);
    [DllImport(Llama)] public static extern nint llama_model_get_vocab(nint model);
    [DllImport(Llama)] public static extern int llama_model_n_ctx_train(nint model);
    [DllImport(Llama)] public static extern int llama_model_n_embd(nint model);
    [DllImport(Llama)] public static extern int llama_model_n_layer(nint model);
    [DllImport(Llama)] public static extern int llama_model_n_head(nint model);
    [DllImport(Llama)] public static extern int llama_model_n_head_kv(nint model);
    [DllImport(Llama)] public static extern ulong llama_model_size(nint model);
    [DllImport(Llama)] public static extern ulong llama_model_n_params(nint model);
    [DllImport(Llama)] public static extern int llama_model_desc(nint model, byte* buf, nuint bufSize);
    [DllImport(Llama)] public static extern int llama_model_meta_val_str(nint model, byte* key, byte* buf, nuint bufSize);
    [DllImport(Llama)] public static extern byte* llama_model_chat_template(nint model, byte* name);
    [DllImport(Llama)] public static extern byte llama_model_has_encoder(nint model);

    // vocab
    [DllImport(Llama)] public static extern int llama_vocab_n_tokens(nint vocab);
    [DllImport(Llama)] public static extern int llama_vocab_bos(nint vocab);
    [DllImport(Llama)] public static extern int llama_vocab_eos(nint vocab);
    [DllImport(Llama)] public static extern byte llama_vocab_is_eog(nint vocab, int token);
    [DllImport(Llama)] public static extern byte* llama_vocab_get_text(nint vocab, int token);
    [DllImport(Llama)] public static extern byte llama_vocab_is_control(nint vocab, int token);
    [DllImport(Llama)] public static extern int llama_tokenize(nint vocab, byte* text, int textLen, int* tokens, int nTokensMax, byte addSpecial, byte parseSpecial);
    [DllImport(Llama)] public static extern int llama_token_to_piece(nint vocab, int token, byte* buf, int length, int lstrip, byte special);
    [DllImport(Llama)] public static extern int llama_chat_apply_template(byte* tmpl, LlamaChatMessage* chat, nuint nMsg, byte addAssistant, byte* buf, int length);

    // context
    [DllImport(Llama)] public static extern nint llama_init_from_model(nint model, LlamaContextParams parameters);
    [DllImport(Llama)] public static extern void llama_free(nint ctx);
    [DllImport(Llama)] public static extern uint llama_n_ctx(nint ctx);
    [DllImport(Llama)] public static extern uint llama_n_ctx_seq(nint ctx);
    [DllImport(Llama)] public static extern uint llama_n_batch(nint ctx);
    [DllImport(Llama)] public static extern uint llama_n_ubatch(nint ctx);
    [DllImport(Llama)] public static extern uint llama_n_seq_max(nint ctx);
    [DllImport(Llama)] public static extern int llama_n_threads(nint ctx);
    [DllImport(Llama)] public static extern int llama_n_threads_batch(nint ctx);
    [DllImport(Llama)] public static extern int llama_pooling_type(nint ctx);
    [DllImport(Llama)] public static extern void llama_set_n_threads(nint ctx, int nThreads, int nThreadsBatch);
    [DllImport(Llama)] public static extern void llama_set_embeddings(nint ctx, byte embeddings);
    [DllImport(Llama)] public static extern void llama_synchronize(nint ctx);
    [DllImport(Llama)] public static extern int llama_decode(nint ctx, LlamaBatchData batch);
    [DllImport(Llama)] public static extern float* llama_get_logits_ith(nint ctx, int i);
    [DllImport(Llama)] public static extern float* llama_get_embeddings_ith(nint ctx, int i);
    [DllImport(Llama)] public static extern float* llama_get_embeddings_seq(nint ctx, int seqId);

    // memory (KV cache)
    [DllImport(Llama)] public static extern nint llama_get_memory(nint ctx);
    [DllImport(Llama)] public static extern void llama_memory_clear(nint memory, byte data);
    [DllImport(Llama)] public static extern byte llama_memory_seq_rm(nint memory, int seqId, int p0, int p1);
    [DllImport(Llama)] public static extern void llama_memory_seq_cp(nint memory, int seqIdSrc, int seqIdDst, int p0, int p1);
    [DllImport(Llama)] public static extern int llama_memory_seq_pos_max(nint memory, int seqId);

    // batch
    [DllImport(Llama)] public static extern LlamaBatchData llama_batch_init(int nTokens, int embd, int nSeqMax);
    [DllImport(Llama)] public static extern void llama_batch_free(LlamaBatchData batch);

    // samplers (a sampler added to a chain belongs to the chain)
    [DllImport(Llama)] public static extern nint llama_sampler_chain_init(LlamaSamplerChainParams parameters);
    [DllImport(Llama)] public static extern void llama_sampler_chain_add(nint chain, nint sampler);
    [DllImport(Llama)] public static extern int llama_sampler_chain_n(nint chain);
    [DllImport(Llama)] public static extern nint llama_sampler_init_greedy();
    [DllImport(Llama)] public static extern nint llama_sampler_init_dist(uint seed);
    [DllImport(Llama)] public static extern nint llama_sampler_init_top_k(int k);
    [DllImport(Llama)] public static extern nint llama_sampler_init_top_p(float p, nuint minKeep);
    [DllImport(Llama)] public static extern nint llama_sampler_init_min_p(float p, nuint minKeep);
    [DllImport(Llama)] public static extern nint llama_sampler_init_temp(float t);
    // This API generation dropped n_vocab (and the eos/newline arguments): a leading n_vocab would be read as penalty_last_n.
    [DllImport(Llama)] public static extern nint llama_sampler_init_penalties(int penaltyLastN, float penaltyRepeat, float penaltyFreq, float penaltyPresent);
    [DllImport(Llama)] public static extern int llama_sampler_sample(nint sampler, nint ctx, int idx);
    [DllImport(Llama)] public static extern void llama_sampler_accept(nint sampler, int token);
    [DllImport(Llama)] public static extern void llama_sampler_reset(nint sampler);
    [DllImport(Llama)] public static extern void llama_sampler_free(nint sampler);
    [DllImport(Llama)] public static extern byte* llama_sampler_name(nint sampler);
}
