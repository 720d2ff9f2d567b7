namespace Appliance.Inference;

/// <summary>
/// How the chat context is shaped and shared.
/// <para>
/// Context split, decided: kv_unified = 0, and n_ctx = <c>ContextPerSequence × Parallel</c>, so
/// every sequence owns a KV stream of exactly <c>ContextPerSequence</c> cells (llama.cpp splits n_ctx
/// evenly; sizing n_ctx this way means the split never shrinks a conversation). Why not one
/// unified pool: (1) a sequence's attention spans only its own cells, so a step's cost does not grow
/// with the other conversations' lengths; (2) a sequence's numbers do not depend on where its
/// cells landed among other sequences' cells, so its output is the same whether it ran alone or
/// next to others, or another stream was cancelled (the scheduler tests rely on it; with a unified
/// pool the summation order over cells changed with the neighbours and greedy outputs drifted
/// apart after ~50 tokens); (3) no conversation can starve the others of cells. The price: a
/// prefix shared between two running sequences is copied (a memory copy of one stream, which
/// llama.cpp only does whole, then trimmed) rather than referenced; it is still not recomputed.
/// Embeddings use a separate context with kv_unified = 1 (see <see cref="LlamaEmbedder"/>).
/// </para>
/// </summary>
/// <param name="Parallel">sequences decoded together (models.chat.parallel)</param>
/// <param name="ContextPerSequence">tokens one conversation may hold (prompt + answer)</param>
/// <param name="QueueLimit">requests that may wait for a free sequence before new ones are refused (<see cref="RefusalReason.QueueFull"/>)</param>
/// <param name="BatchSize">tokens per llama_decode at most</param>
/// <param name="MicroBatchSize">tokens llama.cpp computes together inside one decode (n_ubatch)</param>
/// <param name="PrefillChunk">
/// prompt tokens per step while other sequences are generating: the bound on their inter-token gap
/// while a long prompt is filled (one step of this many tokens). Measured on a quiet 2-core box
/// (inference-bench prefill --prefill-chunk, 2,000-token prompt beside 3 decoding conversations, share
/// of the raw loop's rate / the others' gap): 128 → 0.94 / 0.8 s at 1 thread but 0.88 at 2; 256 →
/// 0.96 / 1.55 s at 1 thread, 0.96 / 0.8 s at 2; 512 → 0.98 / 2.9 s, 0.97 / 1.55 s. 256 keeps the
/// prompt within a few percent of the engine and halves what everyone else waits
/// </param>
/// <param name="BackgroundPrefillChunk">background prompt tokens per step, even on an idle engine, so a question never waits behind a long background step</param>
/// <param name="PrefixReuse">reuse the KV of a shared prompt prefix instead of recomputing it</param>
public sealed record SchedulerOptions(
    int Parallel,
    int ContextPerSequence,
    int QueueLimit,
    int Threads,
    int BatchSize = 512,
    int PrefillChunk = 256,
    bool PrefixReuse = true,
    int MicroBatchSize = 512,
    int BackgroundPrefillChunk = 128);
