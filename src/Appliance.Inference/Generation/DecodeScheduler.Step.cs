using System.Diagnostics;

namespace Appliance.Inference;

/// <summary>One decode step of the scheduler: what goes into the batch, sampling what came out, ending a request.</summary>
public sealed partial class DecodeScheduler
{
    /// <summary>Fills the batch: one token per generating sequence first, then prompt chunks. False when there is nothing to do.</summary>
    private bool BuildBatch()
    {
        _batch.Clear();
        // A person's or a program's prompt gets the batch to itself rather than sharing it with background decoding.
        var foregroundPrefill = _sequences.Any(s => s.Phase == SequencePhase.Prefilling && !s.Runs(WorkPriority.Background));
        bool SitsOut(Sequence s) => foregroundPrefill && s.Runs(WorkPriority.Background);
        var generating = 0;
        foreach (var s in _sequences)
        {
            s.BatchTokens = 0;
            s.SampleAt = null;
            if (s.Phase != SequencePhase.Generating || SitsOut(s)) continue;
            s.SampleAt = _batch.Add(s.NextToken, s.Cached.Count, s.Id, wantLogits: true);
            s.BatchTokens = 1;
            generating++;
        }
        var budget = _options.BatchSize - generating;
        if (generating > 0) budget = Math.Min(budget, _options.PrefillChunk);
        // Background prompts (and resumed background work recomputing its cache) go in small pieces
        // even on an idle engine: the step a question arrives during is then never a long one.
        var backgroundRoom = _options.BackgroundPrefillChunk;
        var prefilling = _sequences
            .Where(s => s.Phase == SequencePhase.Prefilling && !SitsOut(s))
            .OrderBy(s => s.Work!.Request.Priority).ThenBy(s => s.Admission);
        foreach (var s in prefilling)
        {
            if (budget <= 0) break;
            var work = s.Work!;
            var prompt = work.Context;
            var n = Math.Min(budget, prompt.Count - s.PrefillCursor);
            if (s.Runs(WorkPriority.Background)) backgroundRoom -= n = Math.Min(n, backgroundRoom);
            if (n == 0) continue;
            for (var i = 0; i < n; i++)
            {
                var pos = s.PrefillCursor + i;
                // A resumed request already holds its next token: its prompt's last position needs no logits.
                var last = pos == prompt.Count - 1 && work.Pending is null;
                var index = _batch.Add(prompt[pos], pos, s.Id, wantLogits: last);
                if (last) s.SampleAt = index;
            }
            s.BatchTokens = n;
            budget -= n;
        }
        return _batch.Count > 0;
    }

    /// <summary>Samples every sequence that produced logits; returns the ticks it charged to sampling, detokenising and hand-off.</summary>
    private long SampleAll()
    {
        var now = Stopwatch.GetTimestamp();
        var charged = 0L;
        var decoded = 0;
        foreach (var s in _sequences)
        {
            if (s.Work is not { } work || s.BatchTokens == 0) continue;
            if (s.Phase == SequencePhase.Generating)
            {
                s.Cached.Add(s.NextToken);
                work.Context.Add(s.NextToken);
                decoded++;
            }
            else
            {
                var prompt = work.Context;
                for (var i = 0; i < s.BatchTokens; i++) s.Cached.Add(prompt[s.PrefillCursor + i]);
                s.PrefillCursor += s.BatchTokens;
                if (s.PrefillCursor == prompt.Count && work.Pending is { } pending)
                {
                    s.Phase = SequencePhase.Generating;
                    s.NextToken = pending;
                    work.Pending = null;
                }
            }
            s.BatchTokens = 0;
            if (s.SampleAt is not { } at) continue;

            var mark = Stopwatch.GetTimestamp();
            var token = work.Sampler!.Sample(_context, at);
            mark = Charge(LoopPart.Sampling, mark, ref charged);
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
            mark = Charge(LoopPart.Detokenising, mark, ref charged);
            if (text.Length > 0) work.Output.Writer.TryWrite(new GenerationUpdate(text));
            Charge(LoopPart.HandOff, mark, ref charged);
            if (stopped) Finish(s, FinishReason.Stop);
            else if (work.Completion >= work.Request.MaxTokens || s.Cached.Count + 1 >= _options.ContextPerSequence) Finish(s, FinishReason.Length);
            else (s.Phase, s.NextToken) = (SequencePhase.Generating, token);
        }
        _rate.Add(now, decoded);
        return charged;
    }

    private long Charge(LoopPart part, long since, ref long charged)
    {
        var now = _clock.Charge(part, since);
        charged += now - since;
        return now;
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
        s.Phase = SequencePhase.Free;
        lock (_gate) s.Work = null;
        return usage;
    }

    private GenerationUsage End(Work work, FinishReason reason)
    {
        var usage = work.Usage(reason, Stopwatch.GetTimestamp());
        _averageRequestSeconds = _averageRequestSeconds * 0.8 + usage.Duration.TotalSeconds * 0.2;
        work.Sampler?.Dispose();
        work.Sampler = null;
        work.Text = null;
        return usage;
    }
}
