using System.Security.Cryptography;
using Appliance.Llama.Native;
using Appliance.TestModels;

namespace Appliance.Llama.Tests;

/// <summary>The generated GGUF models load in llama.cpp, are marked as test models, and are byte-for-byte reproducible.</summary>
public sealed class TestModelTests
{
    public TestModelTests() => _ = TestLogs.Runtime;

    [Fact]
    public void Generating_twice_gives_the_pinned_bytes()
    {
        foreach (var spec in new[] { TestModelSpec.TinyChat, TestModelSpec.TinyEmbed })
        {
            using var memory = new MemoryStream();
            spec.Write(memory);
            Assert.Equal(spec.ExpectedSha256, Convert.ToHexStringLower(SHA256.HashData(memory.ToArray())));
            using var file = File.OpenRead(TestModels.TestModels.PathOf(spec));
            Assert.Equal(spec.ExpectedSha256, Convert.ToHexStringLower(SHA256.HashData(file)));
        }
    }

    [Fact]
    public void The_tiny_chat_model_loads_with_its_vocabulary_template_and_test_marker()
    {
        using var model = LlamaModel.LoadFromFile(TestModels.TestModels.TinyChat, LlamaApi.llama_model_default_params());
        Assert.NotNull(model);
        Assert.Equal(SpmVocabulary.Build().Tokens.Count, model.VocabSize);
        Assert.Equal("true", model.Metadata("appliance.test_model"));
        Assert.Contains("appliance test model", model.Metadata("general.name"));
        Assert.Contains("<|im_start|>", model.ChatTemplate);
        Assert.True(model.IsEndOfGeneration(SpmVocabulary.ImEnd));
    }

    [Fact]
    public void Text_survives_tokenizing_and_detokenizing()
    {
        using var model = LlamaModel.LoadFromFile(TestModels.TestModels.TinyChat, LlamaApi.llama_model_default_params())!;
        const string text = "hello the office file, Grüße!\nline two";
        var tokens = model.Tokenize(text, addSpecial: true, parseSpecial: false);
        Assert.Equal(model.Bos, tokens[0]);
        Assert.True(tokens.Length < text.Length, "word pieces merge");
        var bytes = new List<byte>();
        var piece = new byte[64];
        foreach (var t in tokens[1..]) bytes.AddRange(piece[..model.TokenToPiece(t, piece)]);
        Assert.Equal(text, System.Text.Encoding.UTF8.GetString([.. bytes]).TrimStart(' '));
    }

    [Fact]
    public void The_chat_template_is_applied_and_its_markers_become_control_tokens()
    {
        using var model = LlamaModel.LoadFromFile(TestModels.TestModels.TinyChat, LlamaApi.llama_model_default_params())!;
        var prompt = LlamaModel.ApplyChatTemplate(model.ChatTemplate!, [("system", "be brief"), ("user", "hello")], addAssistant: true);
        Assert.Equal("<|im_start|>system\nbe brief<|im_end|>\n<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n", prompt);
        var tokens = model.Tokenize(prompt!, addSpecial: true, parseSpecial: true);
        Assert.Equal(3, tokens.Count(t => t == SpmVocabulary.ImStart));
        Assert.Equal(2, tokens.Count(t => t == SpmVocabulary.ImEnd));
    }
}
