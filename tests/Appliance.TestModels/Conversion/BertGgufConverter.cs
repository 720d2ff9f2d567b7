namespace Appliance.TestModels.Conversion;

/// <summary>Where a converted model came from and under which licence, recorded in its metadata.</summary>
public sealed record ModelProvenance(string Name, string SourcePackage, string SourceResource, string License, string Description);

/// <summary>
/// Converts a Hugging Face BERT sentence encoder exported to ONNX (fp32) into a GGUF for
/// llama.cpp's `bert` architecture. The facts it follows are measured (EMBEDDINGS.md): the MatMul
/// weights are anonymous and stored [in, out], so each is named after the bias its MatMul output is
/// added to and transposed; position and token-type embeddings stay F32 (F16 token types abort
/// llama_encode); the vocabulary is stored in llama.cpp's phantom-space form, or every word
/// tokenizes to [UNK].
/// </summary>
/// <param name="headCount">Attention heads: not recoverable from the weights' shapes (MiniLM: 12 heads of 32 dimensions).</param>
public sealed class BertGgufConverter(BertPooling pooling, int headCount)
{
    public void Convert(ReadOnlyMemory<byte> onnxModel, string vocabText, ModelProvenance provenance, Stream output)
    {
        var graph = OnnxGraph.Parse(onnxModel);
        var weights = NamedWeights(graph);
        var vocab = WordPieceVocabulary.Parse(vocabText);

        var word = Get(weights, "embeddings.word_embeddings.weight");
        var position = Get(weights, "embeddings.position_embeddings.weight");
        var hidden = (int)word.Dims[1];
        var layers = Enumerable.Range(0, 1000).TakeWhile(n => weights.ContainsKey($"encoder.layer.{n}.attention.self.query.bias")).Count();
        var feedForward = (int)Get(weights, "encoder.layer.0.intermediate.dense.bias").Dims[0];
        if (word.Dims[0] != vocab.Tokens.Count)
            throw new InvalidDataException($"the model has {word.Dims[0]} token embeddings, the vocabulary {vocab.Tokens.Count} tokens");
        // llama.cpp requires bert.context_length to equal the rows of the position table.
        var contextLength = (uint)position.Dims[0];
        if (layers == 0 || hidden % headCount != 0)
            throw new InvalidDataException($"not a BERT encoder of {headCount} heads: {layers} layers, {hidden} hidden");

        var tensors = new List<GgufTensor>
        {
            Stored("token_embd.weight", word, GgmlType.F16),
            Stored("token_types.weight", Get(weights, "embeddings.token_type_embeddings.weight"), GgmlType.F32),
            Stored("position_embd.weight", position, GgmlType.F32),
            Stored("token_embd_norm.weight", Get(weights, "embeddings.LayerNorm.weight"), GgmlType.F32),
            Stored("token_embd_norm.bias", Get(weights, "embeddings.LayerNorm.bias"), GgmlType.F32),
        };
        foreach (var layer in Enumerable.Range(0, layers))
        {
            var hf = $"encoder.layer.{layer}.";
            var gg = $"blk.{layer}.";
            void Linear(string from, string to)
            {
                tensors.Add(Transposed(gg + to + ".weight", Get(weights, hf + from + ".weight")));
                tensors.Add(Stored(gg + to + ".bias", Get(weights, hf + from + ".bias"), GgmlType.F32));
            }
            void Norm(string from, string to)
            {
                tensors.Add(Stored(gg + to + ".weight", Get(weights, hf + from + ".weight"), GgmlType.F32));
                tensors.Add(Stored(gg + to + ".bias", Get(weights, hf + from + ".bias"), GgmlType.F32));
            }
            Linear("attention.self.query", "attn_q");
            Linear("attention.self.key", "attn_k");
            Linear("attention.self.value", "attn_v");
            Linear("attention.output.dense", "attn_output");
            Norm("attention.output.LayerNorm", "attn_output_norm");
            Linear("intermediate.dense", "ffn_up");
            Linear("output.dense", "ffn_down");
            Norm("output.LayerNorm", "layer_output_norm");
        }

        var metadata = new List<GgufMetadata>
        {
            GgufMetadata.Of("general.architecture", "bert"),
            GgufMetadata.Of("general.name", provenance.Name),
            GgufMetadata.Of("general.description", provenance.Description),
            GgufMetadata.Of("general.license", provenance.License),
            GgufMetadata.Of("general.source.package", provenance.SourcePackage),
            GgufMetadata.Of("general.source.resource", provenance.SourceResource),
            GgufMetadata.Of("general.alignment", GgufWriter.Alignment),
            GgufMetadata.Of("general.file_type", 1u),
            GgufMetadata.Of("bert.context_length", contextLength),
            GgufMetadata.Of("bert.embedding_length", (uint)hidden),
            GgufMetadata.Of("bert.feed_forward_length", (uint)feedForward),
            GgufMetadata.Of("bert.block_count", (uint)layers),
            GgufMetadata.Of("bert.attention.head_count", (uint)headCount),
            // The graph spells LayerNorm out as ReduceMean/Pow/Sqrt ops; BERT's epsilon is 1e-12.
            GgufMetadata.Of("bert.attention.layer_norm_epsilon", 1e-12f),
            GgufMetadata.Of("bert.attention.causal", false),
            GgufMetadata.Of("bert.pooling_type", (uint)pooling),
            GgufMetadata.Of("tokenizer.ggml.model", "bert"),
            GgufMetadata.Strings("tokenizer.ggml.tokens", vocab.Tokens),
            GgufMetadata.Ints("tokenizer.ggml.token_type", vocab.Types),
            GgufMetadata.Of("tokenizer.ggml.token_type_count", 2u),
            GgufMetadata.Of("tokenizer.ggml.bos_token_id", (uint)vocab.Id("[CLS]")),
            GgufMetadata.Of("tokenizer.ggml.cls_token_id", (uint)vocab.Id("[CLS]")),
            // llama.cpp spells the key this way.
            GgufMetadata.Of("tokenizer.ggml.seperator_token_id", (uint)vocab.Id("[SEP]")),
            GgufMetadata.Of("tokenizer.ggml.unknown_token_id", (uint)vocab.Id("[UNK]")),
            GgufMetadata.Of("tokenizer.ggml.padding_token_id", (uint)vocab.Id("[PAD]")),
            GgufMetadata.Of("tokenizer.ggml.mask_token_id", (uint)vocab.Id("[MASK]")),
        };
        GgufWriter.Write(output, metadata, tensors);
    }

    /// <summary>
    /// Initializers by their Hugging Face name. Named ones keep theirs; an anonymous MatMul weight
    /// takes the name of the bias its product is added to (`….bias` → `….weight`).
    /// </summary>
    private static Dictionary<string, OnnxTensor> NamedWeights(OnnxGraph graph)
    {
        var byName = graph.Initializers.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var named = graph.Initializers
            .Where(t => t.Name.StartsWith("embeddings.", StringComparison.Ordinal) || t.Name.StartsWith("encoder.", StringComparison.Ordinal))
            .ToDictionary(t => t.Name, StringComparer.Ordinal);
        var addsByInput = graph.Nodes.Where(n => n.OpType == "Add")
            .SelectMany(n => n.Inputs.Select(input => (input, node: n)))
            .ToLookup(p => p.input, p => p.node, StringComparer.Ordinal);
        foreach (var matMul in graph.Nodes.Where(n => n.OpType == "MatMul"))
        {
            var weight = matMul.Inputs.Select(i => byName.GetValueOrDefault(i)).OfType<OnnxTensor>().SingleOrDefault();
            if (weight is null) continue; // attention's Q·Kᵀ and scores·V multiply activations
            var bias = addsByInput[matMul.Outputs[0]].SelectMany(a => a.Inputs)
                .FirstOrDefault(i => i.EndsWith(".bias", StringComparison.Ordinal) && named.ContainsKey(i))
                ?? throw new InvalidDataException($"MatMul weight {weight.Name} is not followed by an Add of a named bias");
            named[bias[..^".bias".Length] + ".weight"] = weight;
        }
        return named;
    }

    private static OnnxTensor Get(Dictionary<string, OnnxTensor> weights, string name) =>
        weights.GetValueOrDefault(name) ?? throw new InvalidDataException($"the ONNX model has no tensor {name}");

    /// <summary>As stored: ONNX dims are outermost first, GGUF's innermost first, over the same bytes.</summary>
    private static GgufTensor Stored(string name, OnnxTensor tensor, GgmlType type) =>
        FromValues(name, [.. tensor.Dims.Reverse()], type, tensor.Floats());

    /// <summary>A MatMul weight stored [in, out] becomes llama.cpp's [out rows of in values], GGUF shape {in, out}.</summary>
    private static GgufTensor Transposed(string name, OnnxTensor tensor)
    {
        if (tensor.Dims.Count != 2) throw new InvalidDataException($"{tensor.Name} → {name}: expected a matrix, found {tensor.Dims.Count} dims");
        var (rows, columns) = ((int)tensor.Dims[0], (int)tensor.Dims[1]);
        var source = tensor.Floats();
        var values = new float[source.Length];
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < columns; c++)
                values[c * rows + r] = source[r * columns + c];
        return FromValues(name, [rows, columns], GgmlType.F16, values);
    }

    private static GgufTensor FromValues(string name, long[] shape, GgmlType type, float[] values)
    {
        var written = 0;
        return new GgufTensor(name, shape, type, span =>
        {
            values.AsSpan(written, span.Length).CopyTo(span);
            written += span.Length;
        });
    }
}

/// <summary>llama.cpp's pooling types as the `bert.pooling_type` key numbers them.</summary>
public enum BertPooling : uint { Mean = 1, Cls = 2 }
