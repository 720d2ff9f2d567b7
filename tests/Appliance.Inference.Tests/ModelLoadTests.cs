using Appliance.Config;
using Appliance.Llama;
using Appliance.TestModels;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Inference.Tests;

/// <summary>A bad model file gets a clear refusal, never a crash, and the good one still loads afterwards.</summary>
public sealed class ModelLoadTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("model-load").FullName;
    private readonly ModelLoader _loader = new(LlamaRuntime.Load(NullLoggerFactory.Instance));

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private Task<ModelLoadException> Refused(string path, string? sha = null, long budget = long.MaxValue) =>
        Assert.ThrowsAsync<ModelLoadException>(() => _loader.LoadAsync(new ModelRequest("chat", path, sha, budget), CancellationToken.None));

    [Fact]
    public async Task A_file_with_another_digest_is_refused_naming_both_digests()
    {
        var e = await Refused(TestModels.TestModels.TinyChat, new string('a', 64));
        Assert.Contains(TestModelSpec.TinyChat.ExpectedSha256, e.Message);
        Assert.Contains(new string('a', 64), e.Message);
    }

    [Fact]
    public async Task A_truncated_file_is_refused_as_damaged()
    {
        var path = Path.Combine(_folder, "truncated.gguf");
        var bytes = await File.ReadAllBytesAsync(TestModels.TestModels.TinyChat);
        await File.WriteAllBytesAsync(path, bytes[..(bytes.Length / 2)]);
        var e = await Refused(path);
        Assert.Contains("llama.cpp could not load", e.Message);
        Assert.Contains("damaged", e.Message);
    }

    [Fact]
    public async Task A_file_that_is_not_gguf_is_refused()
    {
        var path = Path.Combine(_folder, "notes.gguf");
        await File.WriteAllTextAsync(path, "these are meeting notes, not a model; long enough to read a header");
        var e = await Refused(path);
        Assert.Contains("not a GGUF file", e.Message);
    }

    [Fact]
    public async Task A_model_of_an_unknown_architecture_is_refused_naming_it()
    {
        var path = Path.Combine(_folder, "alien.gguf");
        await using (var stream = File.Create(path))
            GgufWriter.Write(stream,
                [GgufMetadata.Of("general.architecture", "alienformer"), GgufMetadata.Of("general.alignment", 32u)],
                [new GgufTensor("token_embd.weight", [32, 4], GgmlType.F32, v => v.Fill(0.5f))]);
        var e = await Refused(path);
        Assert.Contains("architecture 'alienformer'", e.Message);
    }

    [Fact]
    public async Task A_model_larger_than_the_memory_budget_is_refused_before_loading()
    {
        var e = await Refused(TestModels.TestModels.TinyChat, budget: 1_000_000);
        Assert.Contains("larger than the memory budget", e.Message);
    }

    [Fact]
    public async Task A_missing_file_is_named()
    {
        var e = await Refused(Path.Combine(_folder, "absent.gguf"));
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public async Task After_refusals_the_real_model_loads()
    {
        await Refused(TestModels.TestModels.TinyChat, new string('b', 64));
        var (handle, info, _) = await _loader.LoadAsync(
            new ModelRequest("chat", TestModels.TestModels.TinyChat, TestModelSpec.TinyChat.ExpectedSha256, long.MaxValue), CancellationToken.None);
        using (handle)
        {
            Assert.True(info.IsTestModel);
            Assert.Equal(TestModelSpec.TinyChat.ContextLength, info.ContextLength);
        }
    }

    [Fact]
    public async Task The_service_refuses_a_configured_digest_that_does_not_match()
    {
        var config = TestConfigs.WithTestModels();
        config = config with { Models = config.Models with { Embedding = config.Models.Embedding with { Sha256 = Sha256.Parse(new string('c', 64)) } } };
        var e = await Assert.ThrowsAsync<ModelLoadException>(() =>
            InferenceService.StartAsync(config, TestConfigs.RepositoryRoot, NullLoggerFactory.Instance, CancellationToken.None));
        Assert.Contains("model 'tiny-embed'", e.Message);
    }

    [Fact]
    public async Task A_kv_cache_that_would_not_fit_the_budget_is_refused_with_the_knobs_to_turn()
    {
        var config = TestConfigs.WithTestModels(parallel: 64);
        config = config with
        {
            Models = config.Models with { Chat = config.Models.Chat with { ContextLength = 4096 } },
            Inference = config.Inference with { GpuWiredLimitMb = AutoOrNumber.Of(20) },
        };
        var e = await Assert.ThrowsAsync<ModelLoadException>(() =>
            InferenceService.StartAsync(config, TestConfigs.RepositoryRoot, NullLoggerFactory.Instance, CancellationToken.None));
        Assert.Contains("KV cache for 64 × 4096 tokens", e.Message);
        Assert.Contains("models.chat.parallel", e.Message);
    }
}
