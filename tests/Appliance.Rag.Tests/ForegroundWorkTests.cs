using System.Diagnostics;
using Appliance.Rag.Ingestion;

namespace Appliance.Rag.Tests;

/// <summary>A sync's steps wait while someone is being served, and never longer than the bound per step.</summary>
public sealed class ForegroundWorkTests
{
    [Fact]
    public async Task A_sync_step_waits_while_a_question_is_served_and_goes_on_when_it_is_done()
    {
        var work = new ForegroundWork();
        Assert.True(work.YieldAsync(CancellationToken.None).IsCompletedSuccessfully);   // nobody waiting: no pause

        var question = work.Begin();
        var second = work.Begin();
        var step = work.YieldAsync(CancellationToken.None);
        Assert.False(step.IsCompleted);
        question.Dispose();
        question.Dispose();   // disposing twice ends it once
        Assert.False(step.IsCompleted);   // the second question is still being answered
        second.Dispose();
        await step.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, work.Active);
    }

    [Fact]
    public async Task Under_a_steady_stream_of_questions_a_step_waits_at_most_the_bound()
    {
        var work = new ForegroundWork();
        using var busy = work.Begin();
        var clock = Stopwatch.StartNew();
        await work.YieldAsync(CancellationToken.None);
        Assert.InRange(clock.Elapsed, ForegroundWork.MostPerStep * 0.9, ForegroundWork.MostPerStep * 10);
    }
}
