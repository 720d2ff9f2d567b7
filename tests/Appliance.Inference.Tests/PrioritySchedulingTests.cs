using System.Text;

namespace Appliance.Inference.Tests;

/// <summary>Interactive, API and background requests in one scheduler: background fills idle capacity and yields.</summary>
[Collection("tiny chat")]
public sealed class PrioritySchedulingTests(TinyChatFixture fixture)
{
    private const int BackgroundTokens = 1800;

    private GenerationRequest Request(string prompt, int maxTokens, WorkPriority priority) =>
        new(fixture.Tokens(prompt), SamplingOptions.Greedy, maxTokens, [], IgnoreEndOfGeneration: true, Priority: priority);

    [Fact]
    public async Task Background_work_is_paused_for_an_interactive_question_and_still_finishes_every_token()
    {
        await using var scheduler = fixture.NewScheduler(new SchedulerOptions(Parallel: 2, ContextPerSequence: 2048, QueueLimit: 8, Threads: 1));
        // A saturating background load: more requests than sequences, each as long as the context allows.
        var background = Enumerable.Range(0, 6)
            .Select(i => scheduler.Enqueue(Request($"summarise the contract number {i} of the office", BackgroundTokens, WorkPriority.Background)))
            .ToList();
        var backgroundRuns = background.Select(DrainAsync).ToList();
        await Eventually(() => scheduler.Stats.ActiveSequences == 2 && scheduler.Steps > 10, TimeSpan.FromSeconds(30), "background work fills both sequences");

        // 300 prompt tokens: more than one 128-token chunk, so sharing the batch with background decoding would take three steps.
        var question = scheduler.Enqueue(Request(string.Join(' ', Enumerable.Repeat("where is the invoice of the client", 43)), 20, WorkPriority.Interactive));
        Assert.InRange(question.Request.PromptTokens.Count, 260, 500);
        var (answer, usage) = await DrainAsync(question);

        // The step running when the question arrived, then the one that prefills it and samples its first token.
        Assert.InRange(question.FirstTokenStep - question.EnqueuedStep, 1, 2);
        Assert.Equal(20, usage.CompletionTokens);
        Assert.NotEmpty(answer);
        Assert.True(scheduler.Stats.ActiveSequences > 0 || scheduler.Stats.QueueDepth > 0, "the background load ended before the question: the test proved nothing");

        var finished = await Task.WhenAll(backgroundRuns);
        Assert.All(finished, run =>
        {
            Assert.Equal(BackgroundTokens, run.Usage.CompletionTokens);
            Assert.Equal(FinishReason.Length, run.Usage.FinishReason);
        });
        Assert.Contains(background, work => work.Pauses > 0);
    }

    [Fact]
    public async Task Queue_limits_are_per_class_and_background_never_blocks_a_question()
    {
        await using var scheduler = fixture.NewScheduler(new SchedulerOptions(Parallel: 1, ContextPerSequence: 2048, QueueLimit: 1, Threads: 1));
        var running = scheduler.Enqueue(Request("index the new documents", BackgroundTokens, WorkPriority.Background));
        await Eventually(() => scheduler.Stats.ActiveSequences == 1, TimeSpan.FromSeconds(30), "the background request holds the only sequence");
        var waiting = scheduler.Enqueue(Request("index more documents", 50, WorkPriority.Background));

        var refused = Assert.Throws<InferenceRefusedException>(() => scheduler.Enqueue(Request("one too many", 5, WorkPriority.Background))).Refusal;
        Assert.Equal(RefusalReason.QueueFull, refused.Reason);
        Assert.Contains("background", refused.Detail);

        // The full background queue is not the question's queue: it takes the sequence at once.
        var (_, usage) = await DrainAsync(scheduler.Enqueue(Request("what is the deadline of the contract", 10, WorkPriority.Interactive)));
        Assert.Equal(10, usage.CompletionTokens);
        var (_, api) = await DrainAsync(scheduler.Enqueue(Request("list the clients", 10, WorkPriority.Api)));
        Assert.Equal(10, api.CompletionTokens);

        Assert.Equal(BackgroundTokens, (await DrainAsync(running)).Usage.CompletionTokens);
        Assert.Equal(50, (await DrainAsync(waiting)).Usage.CompletionTokens);
    }

    [Fact]
    public async Task A_background_prompt_is_fed_in_small_pieces_so_a_question_never_waits_behind_a_long_step()
    {
        await using var scheduler = fixture.NewScheduler(new SchedulerOptions(Parallel: 1, ContextPerSequence: 2048, QueueLimit: 4, Threads: 1, PrefixReuse: false));
        var prompt = string.Join(' ', Enumerable.Repeat("where is the invoice of the client", 86));

        var question = scheduler.Enqueue(Request(prompt, 1, WorkPriority.Interactive));
        await DrainAsync(question);
        var background = scheduler.Enqueue(Request("overnight: " + prompt, 1, WorkPriority.Background));
        await DrainAsync(background);

        var tokens = question.Request.PromptTokens.Count;
        Assert.InRange(tokens, 513, 640);
        // A person's prompt fills whole 512-token batches; background prompt goes 128 tokens per step.
        Assert.Equal((tokens + 511) / 512, question.FirstTokenStep - question.EnqueuedStep);
        Assert.Equal((background.Request.PromptTokens.Count + 127) / 128, background.FirstTokenStep - background.EnqueuedStep);
        Assert.Equal(128, scheduler.Options.BackgroundPrefillChunk);
    }

    [Fact]
    public void A_request_carries_its_class_by_value_or_by_name()
    {
        Assert.Equal(WorkPriority.Background, WorkPriorities.From(new Dictionary<string, object?> { [WorkPriorities.Key] = "background" }, WorkPriority.Interactive));
        Assert.Equal(WorkPriority.Api, WorkPriorities.From(new Dictionary<string, object?> { [WorkPriorities.Key] = WorkPriority.Api }, WorkPriority.Interactive));
        Assert.Equal(WorkPriority.Interactive, WorkPriorities.From(null, WorkPriority.Interactive));
    }

    private static async Task<(string Text, GenerationUsage Usage)> DrainAsync(DecodeScheduler.Work work)
    {
        var text = new StringBuilder();
        GenerationUsage? usage = null;
        await foreach (var update in work.Output.Reader.ReadAllAsync())
        {
            text.Append(update.Text);
            usage ??= update.Usage;
        }
        if (work.Failure is { } failure) throw new InvalidOperationException(failure.Message, failure);
        return (text.ToString(), usage ?? throw new InvalidOperationException("the request ended without usage"));
    }
}
