using System.Diagnostics;

namespace Appliance.Inference.Tests;

/// <summary>Generation through the continuous-batching scheduler on the tiny chat model.</summary>
[Collection("tiny chat")]
public sealed class SchedulerTests(TinyChatFixture fixture)
{
    private DecodeScheduler Scheduler => fixture.Scheduler;

    private GenerationRequest Greedy(string prompt, int maxTokens = 40) => new(fixture.Tokens(prompt), maxTokens);

    [Fact]
    public async Task The_same_seed_gives_the_same_output()
    {
        var sampling = new SamplingOptions { Temperature = 0.9f, Seed = 42, TopK = 50, TopP = 0.9f, MinP = 0.01f, RepetitionPenalty = 1.2f };
        var request = new GenerationRequest(fixture.Tokens("the office holiday policy"), sampling, 48, []);
        var first = await Scheduler.RunAsync(request);
        var second = await Scheduler.RunAsync(request);
        Assert.Equal(first.Text, second.Text);
        Assert.Equal(48, first.Usage.CompletionTokens);

        var other = await Scheduler.RunAsync(request with { Sampling = sampling with { Seed = 7 } });
        Assert.NotEqual(first.Text, other.Text);
    }

    [Fact]
    public async Task Usage_counts_prompt_and_completion_tokens_and_times_the_first_token()
    {
        var request = Greedy("please find the invoice for the client", 25);
        var (text, usage) = await Scheduler.RunAsync(request);
        Assert.Equal(request.PromptTokens.Count, usage.PromptTokens);
        Assert.Equal(25, usage.CompletionTokens);
        Assert.Equal(FinishReason.Length, usage.FinishReason);
        Assert.True(usage.TimeToFirstToken > TimeSpan.Zero && usage.TimeToFirstToken <= usage.Duration);
        Assert.True(usage.DecodeTokensPerSecond > 0);
        Assert.NotEmpty(text);
    }

    [Fact]
    public async Task Cancelling_one_of_four_streams_leaves_the_other_three_unchanged()
    {
        string[] prompts = ["hello the team", "a letter to the court about the case", "what is the salary", "show me the new contract and the invoice"];
        var alone = await Task.WhenAll(prompts.Select(p => Scheduler.RunAsync(Greedy(p, 60))));

        using var cancel = new CancellationTokenSource();
        var victimTokens = 0;
        async Task<string?> Victim()
        {
            try
            {
                await foreach (var u in Scheduler.GenerateAsync(Greedy(prompts[1], 60), cancel.Token))
                    if (++victimTokens == 1) await cancel.CancelAsync();
                return "finished";
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }
        var runs = new[] { Scheduler.RunAsync(Greedy(prompts[0], 60)), Task.FromResult(("", alone[1].Usage)), Scheduler.RunAsync(Greedy(prompts[2], 60)), Scheduler.RunAsync(Greedy(prompts[3], 60)) };
        var victim = Victim();
        var together = await Task.WhenAll(runs);

        Assert.Null(await victim);
        Assert.True(victimTokens < 60, $"the cancelled stream ran to the end ({victimTokens} tokens)");
        foreach (var i in new[] { 0, 2, 3 }) Assert.Equal(alone[i].Text, together[i].Item1);
        Assert.Equal(0, Scheduler.Stats.ActiveSequences);
    }

    [Fact]
    public async Task A_stop_string_ends_the_output_before_it()
    {
        var request = Greedy("the staff report about the holiday", 60);
        var (full, _) = await Scheduler.RunAsync(request);
        Assert.True(full.Length > 20, full);
        var stop = full.Substring(12, 3);
        var cut = full.IndexOf(stop, StringComparison.Ordinal);

        var (stopped, usage) = await Scheduler.RunAsync(request with { StopStrings = ["never appears \u0001", stop] });
        Assert.Equal(full[..cut], stopped);
        Assert.Equal(FinishReason.Stop, usage.FinishReason);
        Assert.True(usage.CompletionTokens < 60);
    }

    [Fact]
    public async Task A_repeated_prompt_reuses_its_cached_prefix_and_answers_the_same()
    {
        var system = string.Join(' ', Enumerable.Repeat("the office policy about client files and the salary report", 20));
        var request = Greedy(system + " question one", 30);
        var cold = await Scheduler.RunAsync(request);
        var warm = await Scheduler.RunAsync(request);
        Assert.Equal(request.PromptTokens.Count - 1, warm.Usage.CachedPromptTokens);
        Assert.Equal(cold.Text, warm.Text);

        var sibling = Greedy(system + " another question", 30);
        var shared = await Scheduler.RunAsync(sibling);
        Assert.True(shared.Usage.CachedPromptTokens >= fixture.Tokens(system).Length - 1);
    }

    [Fact]
    public async Task A_prefix_held_by_a_running_sequence_is_shared_with_a_new_one()
    {
        var system = string.Join(' ', Enumerable.Repeat("a private box for the law office with documents and letters", 20));
        await using var fresh = fixture.NewScheduler(new SchedulerOptions(4, 2048, 8, 1, PrefixReuse: false));
        var expected = await fresh.RunAsync(Greedy(system + " second", 20));

        using var running = new CancellationTokenSource();
        var first = Scheduler.RunAsync(Greedy(system + " first", 1500), running.Token);
        await Eventually(() => Scheduler.Stats.ActiveSequences > 0 && Scheduler.Stats.CompletionTokensTotal > 0, TimeSpan.FromSeconds(30), "the first sequence generates");
        var second = await Scheduler.RunAsync(Greedy(system + " second", 20));
        await running.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);

        Assert.True(second.Usage.CachedPromptTokens >= fixture.Tokens(system).Length - 1, $"cached {second.Usage.CachedPromptTokens}");
        Assert.Equal(expected.Text, second.Text);
    }

    [Fact]
    public async Task A_long_prompt_is_prefilled_in_chunks_while_others_keep_generating()
    {
        await using var scheduler = fixture.NewScheduler(new SchedulerOptions(Parallel: 4, ContextPerSequence: 2048, QueueLimit: 16, Threads: 1, PrefillChunk: 128));
        var longPrompt = fixture.Tokens(string.Join(' ', Enumerable.Repeat("the court case about the contract and the invoice", 150)));
        Assert.InRange(longPrompt.Length, 1000, 2000);
        using var cancel = new CancellationTokenSource();
        var received = 0;
        var generating = Task.Run(async () =>
        {
            try
            {
                await foreach (var _ in scheduler.GenerateAsync(Greedy("hello", 1500), cancel.Token)) Interlocked.Increment(ref received);
            }
            catch (OperationCanceledException) { }
        });
        await Eventually(() => Volatile.Read(ref received) >= 2, TimeSpan.FromSeconds(30), "the other stream produced two pieces");

        var before = Volatile.Read(ref received);
        var atFirstToken = -1;
        await foreach (var u in scheduler.GenerateAsync(new GenerationRequest(longPrompt, 3)))
            if (atFirstToken < 0) atFirstToken = Volatile.Read(ref received);
        await cancel.CancelAsync();
        await generating;

        // 128-token chunks: the other sequence advanced one token per step while this prompt was filled.
        var steps = longPrompt.Length / scheduler.Options.PrefillChunk;
        Assert.True(atFirstToken - before >= steps / 2, $"only {atFirstToken - before} tokens of the other stream during {steps} prefill steps");
    }

    [Fact]
    public async Task A_full_queue_refuses_at_once_with_a_retry_time()
    {
        await using var small = fixture.NewScheduler(new SchedulerOptions(Parallel: 1, ContextPerSequence: 2048, QueueLimit: 1, Threads: 1));
        using var cancel = new CancellationTokenSource();
        var running = small.RunAsync(Greedy("hello", 1500), cancel.Token);
        await Eventually(() => small.Stats.ActiveSequences > 0, TimeSpan.FromSeconds(30), "the first request holds the sequence");
        var waiting = small.RunAsync(Greedy("waiting", 5), cancel.Token);
        await Eventually(() => small.Stats.QueueDepth > 0, TimeSpan.FromSeconds(30), "the second request waits in the queue");

        var clock = Stopwatch.StartNew();
        var refused = (await Assert.ThrowsAsync<InferenceRefusedException>(() => small.RunAsync(Greedy("one too many", 5)))).Refusal;
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2));
        Assert.Equal(RefusalReason.QueueFull, refused.Reason);
        Assert.True(refused.RetryAfter >= TimeSpan.FromSeconds(1));
        Assert.Equal(1, small.Stats.QueueDepth);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(0, small.Stats.QueueDepth);
    }

    [Fact]
    public async Task A_prompt_longer_than_the_context_is_refused_with_the_limit()
    {
        var huge = fixture.Tokens(string.Join(' ', Enumerable.Repeat("invoice", 3000)));
        var e = await Assert.ThrowsAsync<InferenceRefusedException>(() => Scheduler.RunAsync(new GenerationRequest(huge, 5)));
        Assert.Equal(RefusalReason.PromptTooLong, e.Refusal.Reason);
        Assert.Contains("2048", e.Refusal.Detail);
    }

    [Fact]
    public async Task Stats_count_tokens_across_requests()
    {
        var before = Scheduler.Stats;
        await Scheduler.RunAsync(Greedy("hello", 10));
        var after = Scheduler.Stats;
        Assert.Equal(10, after.CompletionTokensTotal - before.CompletionTokensTotal);
        Assert.True(after.PromptTokensTotal > before.PromptTokensTotal);
        Assert.True(after.ModelMemoryBytes > 1_000_000);
    }

    [Fact]
    public async Task A_repetition_penalty_changes_what_greedy_decoding_picks()
    {
        // Random weights repeat little on their own, so this checks that the penalty sampler is in
        // the chain and acts (this API generation's signature, n_vocab first), not how much it helps.
        var plain = new GenerationRequest(fixture.Tokens("the the the office office"), SamplingOptions.Greedy, 80, [], IgnoreEndOfGeneration: true);
        var penalised = plain with { Sampling = SamplingOptions.Greedy with { RepetitionPenalty = 1.8f, PenaltyLastN = 64 } };
        var (a, _) = await Scheduler.RunAsync(plain);
        var (b, _) = await Scheduler.RunAsync(penalised);
        var (c, _) = await Scheduler.RunAsync(penalised);
        Assert.NotEqual(a, b);
        Assert.Equal(b, c);
    }
}
