using System.Diagnostics;
using System.Threading.Channels;
using Appliance.Llama;
using Appliance.Llama.Native;
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
/// </summary>
public sealed class DecodeScheduler : IAsyncDisposable
{
    private readonly LlamaModel _model;
    private readonly LlamaContext _context;
    private readonly LlamaBatch _batch;
    private readonly SchedulerOptions _options;
    private readonly ILogger _log;
    private readonly Sequence[] _sequences;
    private readonly LinkedList<Work>[] _waiting = [.. Enum.GetValues<WorkPriority>().Select(_ => new LinkedList<Work>())];
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Thread _thread;
    private readonly DecodeRate _rate = new();
    private readonly CancellationTokenSource _stopping = new();
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
        var p = LlamaApi.llama_context_default_params();
        p.n_ctx = (uint)(options.ContextPerSequence * options.Parallel);
        p.n_batch = p.n_ubatch = (uint)options.BatchSize;
        p.n_seq_max = (uint)options.Parallel;
        p.n_threads = p.n_threads_batch = options.Threads;
        p.kv_unified = 0;
        p.embeddings = 0;
        _context = LlamaContext.InitFromModel(model, p)
                   ?? throw new ModelLoadException($"llama.cpp could not create a context of {p.n_ctx} tokens (not enough memory? lower context_length or parallel)");
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
                    _waiting.Sum(q => q.Count),
                    _sequences.Count(s => s.Work is not null),
                    Interlocked.Read(ref _promptTokensTotal),
                    Interlocked.Read(ref _completionTokensTotal),
                    _rate.TokensPerSecond(),
                    _model.SizeBytes);
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
            var queue = _waiting[(int)request.Priority];
            // Free sequences, and for a higher class the sequences background work holds, take requests at once.
            var free = _sequences.Count(s => s.Work is null || (request.Priority != WorkPriority.Background && s.Work.Request.Priority == WorkPriority.Background));
            var ahead = _waiting.Take((int)request.Priority + 1).Sum(q => q.Count);
            // Refused when it would have to wait and its own class already has the limit waiting.
            if (Math.Min(queue.Count, ahead - free) >= _options.QueueLimit)
            {
                var retry = TimeSpan.FromSeconds(Math.Clamp(Math.Ceiling((ahead + 1.0) / _options.Parallel * _averageRequestSeconds), 1, 120));
                throw new InferenceRefusedException(Refusal.QueueFull(request.Priority, _options.QueueLimit, retry));
            }
            work.Node = queue.AddLast(work);
        }
        _wake.Release();
        return work;
    }

    internal void Cancel(Work work)
    {
        if (work.Done) return;
        lock (_gate)
        {
            if (work.Node is { List: { } queue } node)
            {
                queue.Remove(node);
                // A paused request holds its sampler while it waits.
                work.Sampler?.Dispose();
                work.Sampler = null;
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
                FreeCancelled();
                Admit();
                if (!BuildBatch())
                {
                    _wake.Wait(_stopping.Token);
                    continue;
                }
                var rc = _context.Decode(_batch);
                lock (_gate) _steps++;
                if (rc != 0)
                {
                    FailBatch(new InvalidOperationException(rc == 1
                        ? "the context is full: no KV space for this step (lower parallel or raise context_length)"
                        : $"llama_decode failed with code {rc}"));
                    continue;
                }
                SampleAll();
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

    /// <summary>The next request to admit: the oldest of the highest class waiting.</summary>
    private LinkedList<Work>? NextQueue() => _waiting.FirstOrDefault(q => q.First is not null);

    private void Admit()
    {
        while (true)
        {
            Work? work;
            Sequence? target;
            lock (_gate)
            {
                if (NextQueue() is not { } queue) return;
                work = queue.First!.Value;
                target = ChooseSequence(work.Context) ?? (work.Request.Priority == WorkPriority.Background ? null : Pause());
                if (target is null) return;
                queue.RemoveFirst();
                work.Node = null;
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
        var victim = _sequences.Where(s => s.Work is { Request.Priority: WorkPriority.Background }).MaxBy(s => s.Admission);
        if (victim?.Work is not { } work) return null;
        work.Pending = victim.PendingToken;
        work.Pauses++;
        victim.PendingToken = -1;
        victim.BatchTokens = 0;
        victim.Work = null;
        work.Node = _waiting[(int)WorkPriority.Background].AddFirst(work);
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
        s.Admission = _nextAdmission++;
        s.PrefillCursor = reuse;
        s.PendingToken = -1;
        if (work.Sampler is null)
        {
            // First admission; a resumed request keeps its sampler state, text and clock.
            work.CachedPromptTokens = reuse;
            work.Sampler = CreateSampler(work.Request.Sampling);
            work.Text = new GeneratedText(_model, work.Request.StopStrings);
            work.Started = Stopwatch.GetTimestamp();
            Interlocked.Add(ref _promptTokensTotal, prompt.Count);
        }
    }

    private LlamaSampler CreateSampler(SamplingOptions o)
    {
        var chain = LlamaSampler.CreateChain();
        if (o.RepetitionPenalty != 1f || o.FrequencyPenalty != 0f || o.PresencePenalty != 0f)
            chain.Add(LlamaApi.llama_sampler_init_penalties(_model.VocabSize, o.PenaltyLastN, o.RepetitionPenalty, o.FrequencyPenalty, o.PresencePenalty));
        if (o.Temperature <= 0)
            return chain.Add(LlamaApi.llama_sampler_init_greedy());
        if (o.TopK > 0) chain.Add(LlamaApi.llama_sampler_init_top_k(o.TopK));
        if (o.TopP is > 0 and < 1) chain.Add(LlamaApi.llama_sampler_init_top_p(o.TopP, 1));
        if (o.MinP is > 0 and < 1) chain.Add(LlamaApi.llama_sampler_init_min_p(o.MinP, 1));
        chain.Add(LlamaApi.llama_sampler_init_temp(o.Temperature));
        return chain.Add(LlamaApi.llama_sampler_init_dist(o.Seed ?? (uint)Random.Shared.Next()));
    }

    /// <summary>Fills the batch: one token per generating sequence first, then prompt chunks. False when there is nothing to do.</summary>
    private bool BuildBatch()
    {
        _batch.Clear();
        // A person's or a program's prompt gets the batch to itself rather than sharing it with background decoding.
        var foregroundPrefill = _sequences.Any(s => s.Work is { } w && s.PendingToken < 0 && w.Request.Priority != WorkPriority.Background);
        var generating = 0;
        foreach (var s in _sequences)
        {
            s.BatchTokens = 0;
            s.LogitsIndex = -1;
            if (s.Work is null || s.PendingToken < 0) continue;
            if (foregroundPrefill && s.Work.Request.Priority == WorkPriority.Background) continue;
            s.LogitsIndex = _batch.Add(s.PendingToken, s.Cached.Count, s.Id, wantLogits: true);
            s.BatchTokens = 1;
            generating++;
        }
        var budget = _options.BatchSize - generating;
        if (generating > 0) budget = Math.Min(budget, _options.PrefillChunk);
        var prefilling = _sequences
            .Where(s => s.Work is { } w && s.PendingToken < 0 && !(foregroundPrefill && w.Request.Priority == WorkPriority.Background))
            .OrderBy(s => s.Work!.Request.Priority).ThenBy(s => s.Admission);
        foreach (var s in prefilling)
        {
            if (budget <= 0) break;
            var work = s.Work!;
            var prompt = work.Context;
            var n = Math.Min(budget, prompt.Count - s.PrefillCursor);
            for (var i = 0; i < n; i++)
            {
                var pos = s.PrefillCursor + i;
                // A resumed request already holds its next token: its prompt's last position needs no logits.
                var last = pos == prompt.Count - 1 && work.Pending < 0;
                var index = _batch.Add(prompt[pos], pos, s.Id, wantLogits: last);
                if (last) s.LogitsIndex = index;
            }
            s.BatchTokens = n;
            budget -= n;
        }
        return _batch.Count > 0;
    }

    private void SampleAll()
    {
        var now = Stopwatch.GetTimestamp();
        var decoded = 0;
        foreach (var s in _sequences)
        {
            if (s.Work is not { } work || s.BatchTokens == 0) continue;
            if (s.PendingToken >= 0)
            {
                s.Cached.Add(s.PendingToken);
                work.Context.Add(s.PendingToken);
                decoded++;
            }
            else
            {
                var prompt = work.Context;
                for (var i = 0; i < s.BatchTokens; i++) s.Cached.Add(prompt[s.PrefillCursor + i]);
                s.PrefillCursor += s.BatchTokens;
                if (s.PrefillCursor == prompt.Count && work.Pending >= 0)
                {
                    s.PendingToken = work.Pending;
                    work.Pending = -1;
                }
            }
            s.BatchTokens = 0;
            if (s.LogitsIndex < 0) continue;

            var token = work.Sampler!.Sample(_context, s.LogitsIndex);
            if (work.FirstToken == 0)
            {
                work.FirstToken = now;
                work.FirstTokenStep = Steps;
            }
            if (!work.Request.IgnoreEndOfGeneration && _model.IsEndOfGeneration(token))
            {
                Finish(s, FinishReason.Stop);
                continue;
            }
            work.Completion++;
            Interlocked.Increment(ref _completionTokensTotal);
            var (text, stopped) = work.Text!.Append(token);
            if (text.Length > 0) work.Output.Writer.TryWrite(new GenerationUpdate(text));
            if (stopped) Finish(s, FinishReason.Stop);
            else if (work.Completion >= work.Request.MaxTokens || s.Cached.Count + 1 >= _options.ContextPerSequence) Finish(s, FinishReason.Length);
            else s.PendingToken = token;
        }
        _rate.Add(now, decoded);
    }

    private void Finish(Sequence s, FinishReason reason)
    {
        var work = s.Work!;
        var tail = work.Text!.Flush();
        if (tail.Length > 0) work.Output.Writer.TryWrite(new GenerationUpdate(tail));
        var usage = Complete(s, reason);
        work.Output.Writer.TryWrite(new GenerationUpdate("", usage));
        work.Finish(null);
    }

    /// <summary>Releases the sequence (its cache stays for prefix reuse unless the caller removed it) and returns the usage.</summary>
    private GenerationUsage Complete(Sequence s, FinishReason reason)
    {
        var usage = End(s.Work!, reason);
        s.PendingToken = -1;
        lock (_gate) s.Work = null;
        return usage;
    }

    private GenerationUsage End(Work work, FinishReason reason)
    {
        var end = Stopwatch.GetTimestamp();
        var started = work.Started == 0 ? end : work.Started;
        var ttft = work.FirstToken == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(started, work.FirstToken);
        var decodeSeconds = work.FirstToken == 0 ? 0 : Stopwatch.GetElapsedTime(work.FirstToken, end).TotalSeconds;
        var usage = new GenerationUsage(
            work.Request.PromptTokens.Count, work.CachedPromptTokens, work.Completion, ttft,
            work.Completion > 1 && decodeSeconds > 0 ? (work.Completion - 1) / decodeSeconds : 0,
            Stopwatch.GetElapsedTime(started, end), reason);
        _averageRequestSeconds = _averageRequestSeconds * 0.8 + usage.Duration.TotalSeconds * 0.2;
        work.Sampler?.Dispose();
        work.Sampler = null;
        work.Text = null;
        return usage;
    }

    private void FailBatch(Exception e)
    {
        foreach (var s in _sequences)
            if (s.Work is { } work && (s.BatchTokens > 0 || s.PendingToken >= 0))
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
        {
            foreach (var queue in _waiting)
            {
                foreach (var work in queue)
                {
                    work.Sampler?.Dispose();
                    work.Finish(e);
                }
                queue.Clear();
            }
        }
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

    /// <summary>One request on its way through the scheduler.</summary>
    internal sealed class Work(GenerationRequest request)
    {
        public GenerationRequest Request { get; } = request;

        /// <summary>What the sequence's KV must hold: the prompt, then every generated token decoded so far.</summary>
        public List<int> Context { get; } = [.. request.PromptTokens];

        /// <summary>A paused request's sampled token that was not yet decoded; -1 when none.</summary>
        public int Pending { get; set; } = -1;
        public int Pauses { get; set; }
        public int CachedPromptTokens { get; set; }
        public int Completion { get; set; }
        public LlamaSampler? Sampler { get; set; }
        public GeneratedText? Text { get; set; }
        public long Started { get; set; }
        public long FirstToken { get; set; }
        public long EnqueuedStep { get; set; }
        public long FirstTokenStep { get; set; }
        public Channel<GenerationUpdate> Output { get; } = Channel.CreateUnbounded<GenerationUpdate>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        public LinkedListNode<Work>? Node { get; set; }
        private int _done;
        public volatile bool CancelRequested;
        public Exception? Failure { get; private set; }
        public bool Done => Volatile.Read(ref _done) != 0;

        public void Finish(Exception? failure)
        {
            if (Interlocked.Exchange(ref _done, 1) != 0) return;
            Failure = failure;
            Output.Writer.TryComplete();
        }
    }

    /// <summary>One llama.cpp sequence id and what its cache holds.</summary>
    private sealed class Sequence(int id)
    {
        public int Id { get; } = id;
        public List<int> Cached { get; } = [];
        public Work? Work { get; set; }
        public long Admission { get; set; }
        public int PrefillCursor { get; set; }
        public int PendingToken { get; set; } = -1;
        public int LogitsIndex { get; set; } = -1;
        public int BatchTokens { get; set; }
    }
}
