namespace Appliance.Inference;

/// <summary>
/// Whose work goes first, highest first: a person waiting at the page, then a program calling the
/// API, then work nobody waits for (indexing, jobs). The same classes order the embedding model's
/// gate and the chat scheduler.
/// </summary>
public enum WorkPriority { Interactive, Api, Background }

/// <summary>How a caller marks a request's class in <c>AdditionalProperties</c> of chat or embedding options.</summary>
public static class WorkPriorities
{
    public const string Key = "appliance.priority";

    /// <summary>The class a request carries (a <see cref="WorkPriority"/> or its name), or <paramref name="fallback"/>.</summary>
    public static WorkPriority From(IReadOnlyDictionary<string, object?>? properties, WorkPriority fallback) =>
        properties is not null && properties.TryGetValue(Key, out var value)
            ? value switch
            {
                WorkPriority p => p,
                string s when Enum.TryParse<WorkPriority>(s, ignoreCase: true, out var p) => p,
                _ => fallback,
            }
            : fallback;
}

/// <summary>
/// One holder at a time, and a waiting request of a higher class is let in before any waiting one of
/// a lower class: a question's embedding waits for at most the one batch that is being decoded,
/// however many batches a sync has queued behind it.
/// </summary>
internal sealed class PriorityGate
{
    private readonly Lock _lock = new();
    private readonly Queue<TaskCompletionSource>[] _waiting = [.. Enum.GetValues<WorkPriority>().Select(_ => new Queue<TaskCompletionSource>())];
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
            _waiting[(int)priority].Enqueue(waiter);
        }
        // A cancelled waiter stays queued; Exit skips it (its result can no longer be set).
        await using (ct.Register(() => waiter.TrySetCanceled(ct)))
            await waiter.Task;
    }

    public void Exit()
    {
        lock (_lock)
        {
            foreach (var queue in _waiting)
                while (queue.TryDequeue(out var next))
                    if (next.TrySetResult()) return;   // handed over: still held, now by the waiter
            _held = false;
        }
    }
}
