using Appliance.Llama;

namespace Appliance.Inference;

/// <summary>Vectors for a list of texts, and how many tokens they took.</summary>
public sealed record EmbeddingResult(IReadOnlyList<float[]> Vectors, int InputTokens);

/// <summary>
/// Embeds many texts with as few decodes as possible: texts are packed into one batch as separate
/// sequences. The context uses kv_unified = 1: with a split cache a longer text in a shared batch
/// is pooled over its tail only and comes out silently wrong (LLAMA.md), which the
/// batched-equals-solo test guards. Vectors are L2-normalised, so cosine similarity is a dot product.
/// </summary>
public sealed class LlamaEmbedder : IDisposable
{
    private readonly LlamaModel _model;
    private readonly LlamaContext _context;
    private readonly LlamaBatch _batch;
    private readonly PriorityGate _gate = new();
    private readonly int _maxSequences;

    public LlamaEmbedder(LlamaModel model, GgufHeader header, int threads, int maxTokensPerText = 2048, int maxSequences = 16)
    {
        _model = model;
        Dimensions = model.EmbeddingLength;
        MaxTokensPerText = Math.Min(maxTokensPerText, model.TrainedContextLength);
        _maxSequences = maxSequences;
        // Mean pooling over several sequences aborts in llama.cpp unless n_seq_max divides n_ctx
        // (EMBEDDINGS.md): round the context up to a multiple of the sequence count.
        var p = new LlamaContextOptions(
            ContextSize: (MaxTokensPerText + maxSequences - 1) / maxSequences * maxSequences,
            BatchSize: MaxTokensPerText,
            MicroBatchSize: MaxTokensPerText,
            Sequences: maxSequences,
            Threads: threads,
            UnifiedKv: true,
            Embeddings: true,
            // The model's own pooling when it declares one; a model without it is mean-pooled.
            Pooling: header.PoolingType is null or 0 ? LlamaPoolingType.Mean : LlamaPoolingType.Unspecified);
        _context = LlamaContext.InitFromModel(model, p)
                   ?? throw new ModelLoadException("llama.cpp could not create an embedding context (out of memory?)");
        _batch = new LlamaBatch(MaxTokensPerText);
    }

    public int Dimensions { get; }
    public int MaxTokensPerText { get; }

    /// <summary>How many tokens this model makes of <paramref name="text"/>, without the special tokens it adds around a whole text.</summary>
    public int CountTokens(string text) => _model.Tokenize(text, addSpecial: false, parseSpecial: false).Length;

    /// <param name="priority">background work (indexing) takes the model one batch at a time and lets waiting interactive work (a question) in between</param>
    public async Task<EmbeddingResult> EmbedAsync(IReadOnlyList<string> texts, CancellationToken ct, WorkPriority priority = WorkPriority.Interactive)
    {
        var tokenized = texts.Select(t => _model.Tokenize(t, addSpecial: true, parseSpecial: false)).ToList();
        for (var i = 0; i < tokenized.Count; i++)
            if (tokenized[i].Length > MaxTokensPerText)
                throw new InferenceRefusedException(new Refusal(RefusalReason.TextTooLong,
                    $"text {i} has {tokenized[i].Length} tokens; the embedding model takes at most {MaxTokensPerText} per text (split it into smaller pieces)"));

        var vectors = new float[texts.Count][];
        for (var start = 0; start < tokenized.Count;)
        {
            var end = start;
            var tokens = 0;
            while (end < tokenized.Count && end - start < _maxSequences && tokens + tokenized[end].Length <= MaxTokensPerText)
                tokens += tokenized[end++].Length;
            await _gate.EnterAsync(priority, ct);
            try
            {
                ct.ThrowIfCancellationRequested();
                var (from, to) = (start, end);
                await Task.Run(() => DecodeGroup(tokenized, from, to, vectors), ct);
            }
            finally
            {
                _gate.Exit();
            }
            start = end;
        }
        return new EmbeddingResult(vectors, tokenized.Sum(t => t.Length));
    }

    private void DecodeGroup(List<int[]> tokenized, int start, int end, float[][] vectors)
    {
        _context.MemoryClear();
        _batch.Clear();
        for (var i = start; i < end; i++)
            for (var pos = 0; pos < tokenized[i].Length; pos++)
                _batch.Add(tokenized[i][pos], pos, i - start, wantLogits: true);
        var rc = _context.Decode(_batch);
        if (rc != 0) throw new InvalidOperationException($"llama_decode failed with {rc} while embedding");
        for (var i = start; i < end; i++)
        {
            var pooled = _context.EmbeddingsOfSequence(i - start, Dimensions);
            if (pooled.IsEmpty) throw new InvalidOperationException("the embedding context returned no pooled vector");
            vectors[i] = Normalised(pooled);
        }
    }

    private static float[] Normalised(ReadOnlySpan<float> v)
    {
        var norm = MathF.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(v));
        var result = v.ToArray();
        if (norm > 0) System.Numerics.Tensors.TensorPrimitives.Divide(result, norm, result);
        return result;
    }

    public void Dispose()
    {
        _batch.Dispose();
        _context.Dispose();
    }
}
