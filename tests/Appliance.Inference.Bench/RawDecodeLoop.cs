using System.Diagnostics;
using Appliance.Llama;

namespace Appliance.Inference.Bench;

/// <summary>
/// The floor: llama.cpp's examples/simple loop straight on the binding, no scheduler, greedy,
/// n sequences advanced together in one llama_decode per step.
/// </summary>
internal sealed class RawDecodeLoop(LlamaModel model, int threads)
{
    /// <summary>Tokens per second summed over all sequences, for steady-state decoding after the prompt.</summary>
    public double DecodeTokensPerSecond(IReadOnlyList<int> prompt, int sequences, int steps)
    {
        using var ctx = CreateContext(sequences, prompt.Count + steps + 8);
        using var batch = new LlamaBatch(Math.Max(prompt.Count * sequences, sequences));
        var samplers = Enumerable.Range(0, sequences).Select(_ => LlamaSampler.CreateChain().AddGreedy()).ToArray();
        try
        {
            for (var s = 0; s < sequences; s++)
                for (var i = 0; i < prompt.Count; i++)
                    batch.Add(prompt[i], i, s, wantLogits: i == prompt.Count - 1);
            Check(ctx.Decode(batch));
            var next = new int[sequences];
            var index = 0;
            for (var s = 0; s < sequences; s++)
            {
                index += prompt.Count;
                next[s] = samplers[s].Sample(ctx, index - 1);
            }

            var clock = Stopwatch.StartNew();
            for (var step = 0; step < steps; step++)
            {
                batch.Clear();
                for (var s = 0; s < sequences; s++) batch.Add(next[s], prompt.Count + step, s, wantLogits: true);
                Check(ctx.Decode(batch));
                for (var s = 0; s < sequences; s++) next[s] = samplers[s].Sample(ctx, s);
            }
            return steps * sequences / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            foreach (var sampler in samplers) sampler.Dispose();
        }
    }

    /// <summary>
    /// llama-batched-bench's measure: <paramref name="sequences"/> prompts prefilled together (batches of
    /// 512), then all sequences generate <paramref name="generate"/> tokens in lockstep, greedy; a fresh
    /// context each time. Generated tokens per second over the whole run, the prefill rate, and the
    /// mean decode step.
    /// </summary>
    public BatchedRun Batched(IReadOnlyList<int> prompt, int sequences, int generate)
    {
        using var ctx = CreateContext(sequences, prompt.Count + generate + 8);
        using var batch = new LlamaBatch(512);
        var samplers = Enumerable.Range(0, sequences).Select(_ => LlamaSampler.CreateChain().AddGreedy()).ToArray();
        try
        {
            var clock = Stopwatch.StartNew();
            var next = new int[sequences];
            var pending = Enumerable.Range(0, sequences).SelectMany(s => prompt.Select((token, pos) => (s, token, pos))).ToList();
            for (var start = 0; start < pending.Count; start += 512)
            {
                batch.Clear();
                var lastOf = new List<(int Sequence, int Index)>();
                foreach (var (s, token, pos) in pending.Skip(start).Take(512))
                {
                    var last = pos == prompt.Count - 1;
                    var index = batch.Add(token, pos, s, wantLogits: last);
                    if (last) lastOf.Add((s, index));
                }
                Check(ctx.Decode(batch));
                foreach (var (s, index) in lastOf) next[s] = samplers[s].Sample(ctx, index);
            }
            var prefill = clock.Elapsed;
            for (var step = 1; step < generate; step++)
            {
                batch.Clear();
                for (var s = 0; s < sequences; s++) batch.Add(next[s], prompt.Count + step - 1, s, wantLogits: true);
                Check(ctx.Decode(batch));
                for (var s = 0; s < sequences; s++) next[s] = samplers[s].Sample(ctx, s);
            }
            var total = clock.Elapsed;
            return new BatchedRun(sequences * generate / total.TotalSeconds, sequences * prompt.Count / prefill.TotalSeconds,
                (total - prefill).TotalMilliseconds / Math.Max(1, generate - 1), prefill.TotalMilliseconds);
        }
        finally
        {
            foreach (var sampler in samplers) sampler.Dispose();
        }
    }

    /// <summary>Prompt tokens per second for one prompt, in batches of 512 computed in micro-batches of <paramref name="microBatch"/>; logits for the last token only.</summary>
    public double PrefillTokensPerSecond(IReadOnlyList<int> prompt, int microBatch = 512)
    {
        using var ctx = CreateContext(1, prompt.Count + 8, microBatch);
        using var batch = new LlamaBatch(512);
        var clock = Stopwatch.StartNew();
        for (var start = 0; start < prompt.Count; start += 512)
        {
            batch.Clear();
            var end = Math.Min(prompt.Count, start + 512);
            for (var i = start; i < end; i++) batch.Add(prompt[i], i, 0, wantLogits: i == prompt.Count - 1);
            Check(ctx.Decode(batch));
        }
        ctx.Synchronize();
        return prompt.Count / clock.Elapsed.TotalSeconds;
    }

    private LlamaContext CreateContext(int sequences, int perSequence, int microBatch = 512) =>
        LlamaContext.InitFromModel(model, new LlamaContextOptions((perSequence + 255) / 256 * 256 * sequences, 512, microBatch, sequences, threads))
        ?? throw new InvalidOperationException("no context");

    private static void Check(int rc)
    {
        if (rc != 0) throw new InvalidOperationException($"llama_decode returned {rc}");
    }
}

/// <param name="GeneratedTokensPerSecond">all sequences' generated tokens over the whole run, prefill included</param>
/// <param name="PrefillTokensPerSecond">all prompts' tokens over the prefill phase</param>
/// <param name="DecodeStepMs">mean llama_decode + sampling step once every sequence generates</param>
/// <param name="PrefillMs">until every sequence had its first token</param>
internal sealed record BatchedRun(double GeneratedTokensPerSecond, double PrefillTokensPerSecond, double DecodeStepMs, double PrefillMs);
