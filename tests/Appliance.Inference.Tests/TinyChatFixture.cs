using Appliance.Llama;
using Appliance.TestModels;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Inference.Tests;

/// <summary>The tiny chat model loaded once for all engine tests (random weights: its text is meaningless).</summary>
public sealed class TinyChatFixture : IAsyncLifetime
{
    public LlamaModel Model { get; private set; } = null!;
    public LoadedModel Info { get; private set; } = null!;
    public DecodeScheduler Scheduler { get; private set; } = null!;
    public ChatPromptFormat Format { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var runtime = LlamaRuntime.Load(NullLoggerFactory.Instance);
        (Model, Info, _) = await new ModelLoader(runtime).LoadAsync(
            new ModelRequest("tiny-chat", TestModels.TestModels.TinyChat, TestModelSpec.TinyChat.ExpectedSha256, long.MaxValue), CancellationToken.None);
        Scheduler = NewScheduler(new SchedulerOptions(Parallel: 4, ContextPerSequence: 2048, QueueLimit: 16, Threads: 1));
        Format = new ChatPromptFormat(Model);
    }

    public DecodeScheduler NewScheduler(SchedulerOptions options) => new(Model, options, NullLogger.Instance);

    public int[] Tokens(string text) => Model.Tokenize(text, addSpecial: true, parseSpecial: false);

    public async Task DisposeAsync()
    {
        await Scheduler.DisposeAsync();
        Model.Dispose();
    }
}

[CollectionDefinition("tiny chat")]
public sealed class TinyChatCollection : ICollectionFixture<TinyChatFixture>;

public static class Generations
{
    public static async Task<(string Text, GenerationUsage Usage)> RunAsync(this DecodeScheduler scheduler, GenerationRequest request, CancellationToken ct = default)
    {
        var text = new System.Text.StringBuilder();
        GenerationUsage? usage = null;
        await foreach (var update in scheduler.GenerateAsync(request, ct))
        {
            text.Append(update.Text);
            usage ??= update.Usage;
        }
        return (text.ToString(), usage ?? throw new InvalidOperationException("no usage at the end"));
    }
}
