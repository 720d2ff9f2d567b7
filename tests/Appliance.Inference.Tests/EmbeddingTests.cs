using Appliance.TestModels;
using Microsoft.Extensions.AI;
using Appliance.Tests.Shared;

namespace Appliance.Inference.Tests;

public sealed class EmbeddingFixture() : LoadedEmbeddingModel(
    "tiny-embed", TestModels.TestModels.TinyEmbed, TestModelSpec.TinyEmbed.ExpectedSha256, threads: 1);

/// <summary>Embeddings from the tiny embedding model (random weights: the vectors carry no meaning, only structure).</summary>
public sealed class EmbeddingTests(EmbeddingFixture fixture) : IClassFixture<EmbeddingFixture>
{
    private static readonly string[] Texts =
    [
        "hello",
        "the office holiday policy for staff in the new year",
        "a client contract, an invoice and a letter about the court case were filed today",
        "please find the salary report",
        "what is the date",
    ];

    private static float Cosine(ReadOnlyMemory<float> a, ReadOnlyMemory<float> b) =>
        System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(a.Span, b.Span);

    [Fact]
    public async Task Batched_vectors_equal_the_vectors_of_each_text_alone()
    {
        var batched = await fixture.Generator.GenerateAsync(Texts);
        Assert.Equal(Texts.Length, batched.Count);
        for (var i = 0; i < Texts.Length; i++)
        {
            var solo = await fixture.Generator.GenerateAsync([Texts[i]]);
            Assert.True(Cosine(batched[i].Vector, solo[0].Vector) > 0.9999f, $"text {i}: cosine {Cosine(batched[i].Vector, solo[0].Vector)}");
        }
    }

    [Fact]
    public async Task Different_texts_get_different_unit_vectors_of_the_model_width()
    {
        var result = await fixture.Generator.GenerateAsync(Texts);
        Assert.All(result, e => Assert.Equal(TestModelSpec.TinyEmbed.EmbeddingLength, e.Vector.Length));
        Assert.All(result, e => Assert.InRange(System.Numerics.Tensors.TensorPrimitives.Norm(e.Vector.Span), 0.999f, 1.001f));
        Assert.True(Cosine(result[1].Vector, result[2].Vector) < 0.999f);
        Assert.True(result.Usage!.InputTokenCount > Texts.Length);
    }

    [Fact]
    public async Task Many_texts_spanning_several_decodes_still_match_solo()
    {
        var many = Enumerable.Range(0, 40).Select(i => string.Join(' ', Enumerable.Repeat("office file", 1 + i % 7)) + $" number {i}").ToList();
        var batched = await fixture.Generator.GenerateAsync(many);
        var solo = await fixture.Generator.GenerateAsync([many[33]]);
        Assert.True(Cosine(batched[33].Vector, solo[0].Vector) > 0.9999f);
    }

    [Fact]
    public async Task A_text_longer_than_the_model_takes_is_refused_with_the_limit()
    {
        var huge = string.Join(' ', Enumerable.Repeat("invoice", 5000));
        var e = await Assert.ThrowsAsync<InferenceRefusedException>(() => fixture.Generator.GenerateAsync(["short", huge]));
        Assert.Equal(RefusalReason.TextTooLong, e.Refusal.Reason);
        Assert.Contains("text 1 has", e.Refusal.Detail);
    }

    [Fact]
    public void The_generator_describes_itself()
    {
        var metadata = fixture.Generator.GetService<EmbeddingGeneratorMetadata>();
        Assert.Equal("tiny-embed", metadata?.DefaultModelId);
        Assert.Equal(128, metadata?.DefaultModelDimensions);
        Assert.True(fixture.Generator.Model.IsTestModel);
    }
}
