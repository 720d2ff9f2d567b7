namespace Appliance.Inference.Tests;

/// <summary>A question's embedding does not queue behind a sync's batches: it waits for the one being decoded at most.</summary>
public sealed class PriorityGateTests
{
    [Fact]
    public async Task A_waiting_question_goes_before_every_waiting_indexing_batch()
    {
        var gate = new PriorityGate();
        var order = new List<string>();
        await gate.EnterAsync(WorkPriority.Background, CancellationToken.None);   // a batch being decoded
        var waiting = new[]
        {
            TakeAsync("batch 2", WorkPriority.Background),
            TakeAsync("batch 3", WorkPriority.Background),
            TakeAsync("question", WorkPriority.Interactive),
            TakeAsync("batch 4", WorkPriority.Background),
        };
        Assert.Empty(order);
        gate.Exit();
        await Task.WhenAll(waiting);
        Assert.Equal(["question", "batch 2", "batch 3", "batch 4"], order);

        async Task TakeAsync(string name, WorkPriority priority)
        {
            await gate.EnterAsync(priority, CancellationToken.None);
            lock (order) order.Add(name);
            gate.Exit();
        }
    }

    [Fact]
    public async Task A_waiter_that_gave_up_is_passed_over_and_the_gate_is_free_again()
    {
        var gate = new PriorityGate();
        await gate.EnterAsync(WorkPriority.Background, CancellationToken.None);
        using var giveUp = new CancellationTokenSource();
        var abandoned = gate.EnterAsync(WorkPriority.Interactive, giveUp.Token);
        giveUp.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        gate.Exit();
        var next = gate.EnterAsync(WorkPriority.Background, CancellationToken.None);
        Assert.True(next.IsCompletedSuccessfully);   // nobody holds it: taken at once
        gate.Exit();
    }
}
