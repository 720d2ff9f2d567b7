using System.Diagnostics;
using Appliance.Llama;
using Microsoft.Extensions.Logging;

namespace Appliance.Inference;

/// <summary>
/// Continuous batching over one llama.cpp context. One thread runs the step loop: free cancelled
/// sequences, admit waiting requests into free sequences (reusing a cached prompt prefix), build ONE
/// batch holding the next token of every generating sequence plus a chunk of prompt for those still
/// prefilling, call llama_decode once, sample every sequence that produced logits, stream text.
/// Requests beyond the free sequences wait in a bounded queue per <see cref="WorkPriority"/>; beyond
/// that they are refused with an <see cref="InferenceRefusedException"/> (<see cref="RefusalReason.QueueFull"/>) at once.
/// <para>
/// Classes: a waiting request is admitted before any waiting request of a lower class. Background
/// work only fills capacity nobody else wants: a waiting interactive or API request takes a
/// background request's sequence at once (the background request is paused and queued again at
/// the front of its class, keeping what it generated, and resumes by recomputing its KV), and while
/// an interactive or API prompt is being prefilled, background sequences sit the step out so the
/// prompt gets the whole batch. So background load delays a first token by at most the step that
/// is already running.
/// </para>
/// <para>
/// The waiting lines are <see cref="WaitingLines"/>, a request and a sequence are in DecodeScheduler.Work.cs,
/// the sampler chain comes from <see cref="SamplerChains"/>.
/// </para>
/// </summary>
public sealed partial class DecodeScheduler : IAsyncDisposable
{
    private readonly LlamaModel _model;
    private readonly LlamaContext _context;
    private readonly LlamaBatch _batch;
    private readonly SchedulerOptions _options;
    private readonly ILogger _log;
    private readonly Sequence[] _sequences;
    private readonly WaitingLines _waiting = new();
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Thread _thread;
    private readonly DecodeRate _rate = new();
    private readonly DecodeLoopClock _clock = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly long[] _requestsByClass = new long[Enum.GetValues<WorkPriority>().Length];
    private long _promptTokensTotal;
    private long _completionTokensTotal;
    private double _averageRequestSeconds = 5;
    private long _nextAdmission;
    private long _steps;
    private volatile Exception? _broken;

    public DecodeScheduler(LlamaModel model, SchedulerOptions options, ILogger log)
    {
        _model = model;
        _options = options;
        _log = log;
        var p = new LlamaContextOptions(options.ContextPerSequence * options.Parallel, options.BatchSize, options.MicroBatchSize, options.Parallel, options.Threads);
        _context = LlamaContext.InitFromModel(model, p)
                   ?? throw new ModelLoadException($"llama.cpp could not create a context of {p.ContextSize} tokens (not enough memory? lower context_length or parallel)");
        _batch = new LlamaBatch(options.BatchSize);
        _sequences = [.. Enumerable.Range(0, options.Parallel).Select(i => new Sequence(i))];
        _thread = new Thread(Run) { IsBackground = true, Name = "llama decode loop" };
        _thread.Start();
    }

    public SchedulerOptions Options => _options;

    /// <summary>llama_decode calls so far: the unit the priority bound is stated in.</summary>
    internal long Steps
    {
        get { lock (_gate) return _steps; }
    }
    public LlamaModel Model => _model;

    public InferenceStats Stats
    {
        get
        {
            lock (_gate)
                return new InferenceStats(
                    _waiting.Count,
                    _sequences.Count(s => s.Work is not null),
                    Interlocked.Read(ref _promptTokensTotal),
                    Interlocked.Read(ref _completionTokensTotal),
                    _rate.TokensPerSecond(),
                    _model.SizeBytes,
                    Enum.GetValues<WorkPriority>().ToDictionary(c => c, c => _requestsByClass[(int)c]))
                {
                    LoopTime = _clock.Snapshot(),
                };
        }
    }

    /// <summary>
    /// Starts a generation and streams its text; the last update carries the usage. Throws
    /// <see cref="InferenceRefusedException"/> before anything starts when the queue is full or the prompt does not fit. Cancelling
    /// (or abandoning the enumeration) frees the sequence before the next decode step.
    /// </summary>
    public async IAsyncEnumerable<GenerationUpdate> GenerateAsync(
        GenerationRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        var work = Enqueue(request);
        using var registration = ct.Register(() => Cancel(work));
        try
        {
            await foreach (var update in work.Output.Reader.ReadAllAsync(CancellationToken.None))
            {
                yield return update;
            }
            if (work.Failure is { } failure) throw new InvalidOperationException(failure.Message, failure);
            ct.ThrowIfCancellationRequested();
        }
        finally
        {
            Cancel(work);
        }
    }

    /// <summary>Admission: validated and queued, or refused at once.</summary>
    internal Work Enqueue(GenerationRequest request)
    {
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        if (_broken is { } broken) throw new InvalidOperationException($"the inference engine stopped after an error: {broken.Message}", broken);
        if (request.PromptTokens.Count == 0) throw new ArgumentException("the prompt is empty", nameof(request));
        if (request.PromptTokens.Count >= _options.ContextPerSequence)
            throw new InferenceRefusedException(Refusal.PromptTooLong(request.PromptTokens.Count, _options.ContextPerSequence));
        if (request.MaxTokens < 1) throw new ArgumentException("max tokens must be at least 1", nameof(request));

        var work = new Work(request);
        lock (_gate)
        {
            // Read under the lock the step counter moves under: a request queued here is seen by the admission after that step.
            work.EnqueuedStep = _steps;
            // Free sequences, and for a higher class the sequences background work holds, take requests at once.
            var free = _sequences.Count(s => s.Work is null || (request.Priority != WorkPriority.Background && s.Runs(WorkPriority.Background)));
            var ahead = _waiting.AheadOf(request.Priority);
            // Refused when it would have to wait and its own class already has the limit waiting.
            if (Math.Min(_waiting.CountOf(request.Priority), ahead - free) >= _options.QueueLimit)
            {
                var retry = TimeSpan.FromSeconds(Math.Clamp(Math.Ceiling((ahead + 1.0) / _options.Parallel * _averageRequestSeconds), 1, 120));
                throw new InferenceRefusedException(Refusal.QueueFull(request.Priority, _options.QueueLimit, retry));
            }
            _waiting.Add(work);
            _requestsByClass[(int)request.Priority]++;
        }
        _wake.Release();
        return work;
    }

    internal void Cancel(Work work)
    {
        if (work.Done) return;
        lock (_gate)
        {
            if (_waiting.Remove(work))
            {
                // A paused request holds its sampler while it waits: finishing disposes it.
                work.Finish(null);
                return;
            }
        }
        work.CancelRequested = true;
        _wake.Release();
    }

    private void Run()
    {
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                var since = Stopwatch.GetTimestamp();
                FreeCancelled();
                Admit();
                if (!BuildBatch())
                {
                    since = _clock.Charge(LoopPart.Scheduling, since);
                    _wake.Wait(_stopping.Token);
                    _clock.Charge(LoopPart.Idle, since);
                    continue;
                }
                since = _clock.Charge(LoopPart.Scheduling, since);
                var rc = _context.Decode(_batch);
                since = _clock.Charge(LoopPart.Engine, since);
                lock (_gate) _steps++;
                if (rc != 0)
                {
                    FailBatch(new InvalidOperationException(rc == 1
                        ? "the context is full: no KV space for this step (lower parallel or raise context_length)"
                        : $"llama_decode failed with code {rc}"));
                    continue;
                }
                var charged = SampleAll();
                _clock.Add(LoopPart.Scheduling, Stopwatch.GetTimestamp() - since - charged);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            _log.LogError(e, "the decode loop stopped");
            _broken = e;
            FailEverything(e);
        }
    }

    private void FreeCancelled()
    {
        foreach (var s in _sequences)
            if (s.Work is { CancelRequested: true } work)
            {
                // A cancelled sequence leaves nothing behind: its cells are free for the next step.
                _context.MemorySeqRemove(s.Id, -1, -1);
                s.Cached.Clear();
                Complete(s, FinishReason.Cancelled);
                work.Finish(null);
            }
    }

    private void Admit()
    {
        while (true)
        {
            Work? work;
            Sequence? target;
            lock (_gate)
            {
                if (_waiting.Next is not { } next) return;
                work = next;
                target = ChooseSequence(work.Context) ?? (work.Request.Priority == WorkPriority.Background ? null : Pause());
                if (target is null) return;
                _waiting.Remove(work);
                // Reserved under the lock so admission never counts a taken sequence as free.
                target.Work = work;
            }
            Start(target, work);
        }
    }

    /// <summary>
    /// Frees the sequence of the most recently admitted background request, which waits again at the
    /// front of its queue with its generated tokens, pending token and sampler. Null when no background request runs.
    /// </summary>
    private Sequence? Pause()
    {
        var victim = _sequences.Where(s => s.Runs(WorkPriority.Background)).MaxBy(s => s.Admission);
        if (victim?.Work is not { } work) return null;
        work.Pending = victim.Phase == SequencePhase.Generating ? victim.NextToken : null;
        work.Pauses++;
        victim.Phase = SequencePhase.Free;
        victim.BatchTokens = 0;
        victim.Work = null;
        _waiting.AddFront(work);
        return victim;
    }

    /// <summary>Any free sequence; among free ones the one whose cache shares the longest prefix with the next prompt.</summary>
    private Sequence? ChooseSequence(IReadOnlyList<int> prompt)
    {
        Sequence? best = null;
        var bestShared = -1;
        foreach (var s in _sequences)
        {
            if (s.Work is not null) continue;
            var shared = _options.PrefixReuse ? SharedPrefix(s.Cached, prompt) : 0;
            if (shared > bestShared) (best, bestShared) = (s, shared);
        }
        return best;
    }

    private void Start(Sequence s, Work work)
    {
        var prompt = work.Context;
        var reuse = 0;
        if (_options.PrefixReuse)
        {
            // Reuse in place, or copy a longer shared prefix from another sequence's cache.
            reuse = Math.Min(SharedPrefix(s.Cached, prompt), prompt.Count - 1);
            Sequence? donor = null;
            foreach (var other in _sequences)
            {
                if (other == s) continue;
                var shared = Math.Min(SharedPrefix(other.Cached, prompt), prompt.Count - 1);
                if (shared > reuse + 16) (donor, reuse) = (other, shared);
            }
            if (donor is not null)
            {
                // Each sequence has its own KV stream (kv_unified = 0), and llama.cpp copies between
                // streams only whole: copy the donor's stream, then cut it back to the shared prefix.
                _context.MemorySeqRemove(s.Id, -1, -1);
                _context.MemorySeqCopy(donor.Id, s.Id, -1, -1);
                s.Cached.Clear();
                s.Cached.AddRange(donor.Cached.Take(reuse));
            }
        }
        if (!_context.MemorySeqRemove(s.Id, reuse, -1))
        {
            _context.MemorySeqRemove(s.Id, -1, -1);
            reuse = 0;
        }
        if (s.Cached.Count > reuse) s.Cached.RemoveRange(reuse, s.Cached.Count - reuse);

        s.Work = work;
        s.Phase = SequencePhase.Prefilling;
        s.Admission = _nextAdmission++;
        s.PrefillCursor = reuse;
        if (work.Sampler is null)
        {
            // First admission; a resumed request keeps its sampler state, text and clock.
            work.CachedPromptTokens = reuse;
            work.Sampler = SamplerChains.For(work.Request.Sampling);
            work.Text = new GeneratedText(_model, work.Request.StopStrings);
            work.Started = Stopwatch.GetTimestamp();
            Interlocked.Add(ref _promptTokensTotal, prompt.Count);
        }
    }

    private void FailBatch(Exception e)
    {
        foreach (var s in _sequences)
            if (s.Work is { } work && (s.BatchTokens > 0 || s.Phase == SequencePhase.Generating))
            {
                _context.MemorySeqRemove(s.Id, -1, -1);
                s.Cached.Clear();
                Complete(s, FinishReason.Cancelled);
                work.Finish(e);
            }
    }

    private void FailEverything(Exception e)
    {
        foreach (var s in _sequences)
            if (s.Work is { } work)
            {
                Complete(s, FinishReason.Cancelled);
                work.Finish(e);
            }
        lock (_gate)
            foreach (var work in _waiting.TakeAll())
                work.Finish(e);
    }

    private static int SharedPrefix(List<int> cached, IReadOnlyList<int> prompt)
    {
        var n = Math.Min(cached.Count, prompt.Count);
        var i = 0;
        while (i < n && cached[i] == prompt[i]) i++;
        return i;
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested) return;
        _stopping.Cancel();
        await Task.Run(() => _thread.Join());
        FailEverything(new ObjectDisposedException(nameof(DecodeScheduler)));
        _batch.Dispose();
        _context.Dispose();
        _wake.Dispose();
        _stopping.Dispose();
    }
}
