using System.Diagnostics;
using System.Threading.Channels;
using Appliance.Llama;

namespace Appliance.Inference;

public sealed partial class DecodeScheduler
{
    /// <summary>One request on its way through the scheduler.</summary>
    internal sealed class Work(GenerationRequest request)
    {
        private int _done;

        public GenerationRequest Request { get; } = request;

        /// <summary>What the sequence's KV must hold: the prompt, then every generated token decoded so far.</summary>
        public List<int> Context { get; } = [.. request.PromptTokens];

        /// <summary>A paused request's sampled token that was not yet decoded.</summary>
        public int? Pending { get; set; }
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

        /// <summary>Its place in a waiting line; null while it runs.</summary>
        public LinkedListNode<Work>? Node { get; set; }
        public volatile bool CancelRequested;
        public Exception? Failure { get; private set; }
        public bool Done => Volatile.Read(ref _done) != 0;

        /// <summary>What the request cost, as of <paramref name="end"/> (a Stopwatch timestamp).</summary>
        public GenerationUsage Usage(FinishReason reason, long end)
        {
            var started = Started == 0 ? end : Started;
            var ttft = FirstToken == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(started, FirstToken);
            var decodeSeconds = FirstToken == 0 ? 0 : Stopwatch.GetElapsedTime(FirstToken, end).TotalSeconds;
            return new GenerationUsage(Request.PromptTokens.Count, CachedPromptTokens, Completion, ttft,
                Completion > 1 && decodeSeconds > 0 ? (Completion - 1) / decodeSeconds : 0,
                Stopwatch.GetElapsedTime(started, end), reason);
        }

        public void Finish(Exception? failure)
        {
            if (Interlocked.Exchange(ref _done, 1) != 0) return;
            Sampler?.Dispose();
            Sampler = null;
            Failure = failure;
            Output.Writer.TryComplete();
        }
    }

    /// <summary>Where a sequence is: free, feeding its prompt to the model, or decoding one token per step.</summary>
    private enum SequencePhase { Free, Prefilling, Generating }

    /// <summary>One llama.cpp sequence id and what its cache holds.</summary>
    private sealed class Sequence(int id)
    {
        public int Id { get; } = id;
        public List<int> Cached { get; } = [];
        public Work? Work { get; set; }
        public SequencePhase Phase { get; set; }
        public long Admission { get; set; }

        /// <summary>Prompt tokens already in the cache while <see cref="SequencePhase.Prefilling"/>.</summary>
        public int PrefillCursor { get; set; }

        /// <summary>The sampled token this sequence decodes next while <see cref="SequencePhase.Generating"/>.</summary>
        public int NextToken { get; set; }

        /// <summary>The batch index whose logits this step's sample reads; null when this step yields none for it.</summary>
        public int? SampleAt { get; set; }

        /// <summary>Tokens this sequence has in the batch being decoded.</summary>
        public int BatchTokens { get; set; }

        public bool Runs(WorkPriority priority) => Work?.Request.Priority == priority;
    }
}
