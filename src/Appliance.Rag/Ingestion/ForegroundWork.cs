namespace Appliance.Rag.Ingestion;

/// <summary>
/// People waiting right now (a search, an answer being written): a sync's steps wait for them to be
/// served, each step at most <see cref="MostPerStep"/>, so indexing yields to questions without ever
/// stalling under a steady stream of them. On two cores a sync's extraction, analysis and embedding
/// otherwise take the cores a question's prefill needs.
/// </summary>
public sealed class ForegroundWork
{
    public static readonly TimeSpan MostPerStep = TimeSpan.FromSeconds(2);

    private readonly Lock _gate = new();
    private int _active;
    private TaskCompletionSource _quiet = Quiet();

    /// <summary>Someone is waiting until the returned value is disposed.</summary>
    public IDisposable Begin()
    {
        lock (_gate)
            if (_active++ == 0) _quiet = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return new Served(this);
    }

    public int Active { get { lock (_gate) return _active; } }

    /// <summary>Returns when nobody waits, or after <see cref="MostPerStep"/> at the latest.</summary>
    public async Task YieldAsync(CancellationToken cancellationToken)
    {
        Task quiet;
        lock (_gate) quiet = _quiet.Task;
        if (quiet.IsCompleted) return;
        try
        {
            await quiet.WaitAsync(MostPerStep, cancellationToken);
        }
        catch (TimeoutException)
        {
            // a steady stream of questions: the sync takes its step anyway
        }
    }

    private void End()
    {
        lock (_gate)
            if (--_active == 0) _quiet.TrySetResult();
    }

    private static TaskCompletionSource Quiet()
    {
        var quiet = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        quiet.SetResult();
        return quiet;
    }

    private sealed class Served(ForegroundWork work) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) work.End();
        }
    }
}
