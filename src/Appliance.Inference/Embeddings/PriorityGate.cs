namespace Appliance.Inference;

/// <summary>Whose work waits: a person waiting for an answer goes before indexing.</summary>
public enum WorkPriority { Interactive, Background }

/// <summary>
/// One holder at a time, and a waiting interactive request is let in before any waiting background
/// one: a question's embedding waits for at most the one batch that is being decoded, however many
/// batches a sync has queued behind it.
/// </summary>
internal sealed class PriorityGate
{
    private readonly Lock _lock = new();
    private readonly Queue<TaskCompletionSource> _interactive = new();
    private readonly Queue<TaskCompletionSource> _background = new();
    private bool _held;

    public async Task EnterAsync(WorkPriority priority, CancellationToken ct)
    {
        TaskCompletionSource waiter;
        lock (_lock)
        {
            if (!_held)
            {
                _held = true;
                return;
            }
            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            (priority == WorkPriority.Interactive ? _interactive : _background).Enqueue(waiter);
        }
        // A cancelled waiter stays queued; Exit skips it (its result can no longer be set).
        await using (ct.Register(() => waiter.TrySetCanceled(ct)))
            await waiter.Task;
    }

    public void Exit()
    {
        lock (_lock)
        {
            while (_interactive.TryDequeue(out var next) || _background.TryDequeue(out next))
                if (next.TrySetResult()) return;   // handed over: still held, now by the waiter
            _held = false;
        }
    }
}
