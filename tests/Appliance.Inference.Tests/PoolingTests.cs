using Appliance.Llama;
using Appliance.Llama.Native;
using Appliance.TestModels;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Inference.Tests;

/// <summary>The embedder's vector is the model's mean pooling: the average of the per-token vectors, normalised.</summary>
public sealed class PoolingTests
{
    [Fact]
    public async Task The_pooled_vector_is_the_normalised_mean_of_the_token_vectors()
    {
        const string text = "the office holiday policy for all staff";
        using var generator = await LlamaEmbeddingGenerator.OpenAsync(
            new ModelRequest("tiny-embed", TestModels.TestModels.TinyEmbed, null, long.MaxValue), 1, NullLoggerFactory.Instance, CancellationToken.None);
        var pooled = (await generator.GenerateAsync([text]))[0].Vector.ToArray();

        LlamaRuntime.Load(NullLoggerFactory.Instance);
        using var model = LlamaModel.LoadFromFile(TestModels.TestModels.TinyEmbed, LlamaApi.llama_model_default_params())!;
        var p = LlamaApi.llama_context_default_params();
        p.n_ctx = p.n_batch = p.n_ubatch = 512;
        p.n_threads = p.n_threads_batch = 1;
        p.embeddings = 1;
        p.pooling_type = (int)LlamaPoolingType.None;
        using var ctx = LlamaContext.InitFromModel(model, p)!;
        var tokens = model.Tokenize(text, addSpecial: true, parseSpecial: false);
        using var batch = new LlamaBatch(tokens.Length);
        for (var i = 0; i < tokens.Length; i++) batch.Add(tokens[i], i, 0, wantLogits: true);
        Assert.Equal(0, ctx.Decode(batch));

        var mean = new float[model.EmbeddingLength];
        for (var i = 0; i < tokens.Length; i++)
            System.Numerics.Tensors.TensorPrimitives.Add(mean, ctx.EmbeddingsOfToken(i, mean.Length), mean);
        var cosine = System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(mean, pooled);
        Assert.True(cosine > 0.9999f, $"cosine {cosine}");
        // And it is not just any token's vector.
        Assert.True(System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(ctx.EmbeddingsOfToken(tokens.Length - 1, mean.Length), pooled) < 0.999f);
    }
}
