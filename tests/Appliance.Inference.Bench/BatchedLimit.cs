using System.Text.Json;
using System.Text.Json.Nodes;
using Appliance.Llama;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Inference.Bench;

/// <summary>
/// The engine's limit the serving bench sets the agent beside: the raw batched loop on the same model,
/// prompt and output lengths, medians of repeated runs, as one JSON object on stdout.
/// </summary>
internal static class BatchedLimit
{
    public static async Task<int> RunAsync(string modelPath, int threads, int promptTokens, int generate, IReadOnlyList<int> sequences, int runs)
    {
        var runtime = LlamaRuntime.Load(NullLoggerFactory.Instance);
        var (model, _, _) = await new ModelLoader(runtime).LoadAsync(new ModelRequest("bench", modelPath, null, long.MaxValue), CancellationToken.None);
        using (model)
        {
            var text = string.Join(' ', Enumerable.Repeat("the office policy for client files, letters and the salary report of the staff", 1 + promptTokens / 8));
            var prompt = model.Tokenize(text, addSpecial: true, parseSpecial: false)[..promptTokens];
            var raw = new RawDecodeLoop(model, threads);
            raw.Batched(prompt, 1, 8);   // warm-up: page in the weights, build the graphs once
            var result = new JsonObject { ["threads"] = threads, ["prompt_tokens"] = promptTokens, ["generated_tokens"] = generate, ["runs"] = runs };
            var levels = new JsonObject();
            foreach (var n in sequences)
            {
                var samples = Enumerable.Range(0, runs).Select(_ => raw.Batched(prompt, n, generate)).ToList();
                levels[n.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new JsonObject
                {
                    ["generated_tps"] = Math.Round(Median(samples.Select(s => s.GeneratedTokensPerSecond)), 1),
                    ["prefill_tps"] = Math.Round(Median(samples.Select(s => s.PrefillTokensPerSecond)), 1),
                    ["decode_step_ms"] = Math.Round(Median(samples.Select(s => s.DecodeStepMs)), 2),
                    ["prefill_ms"] = Math.Round(Median(samples.Select(s => s.PrefillMs)), 1),
                    ["generated_tps_samples"] = new JsonArray([.. samples.Select(s => (JsonNode)Math.Round(s.GeneratedTokensPerSecond, 1))]),
                };
            }
            result["sequences"] = levels;
            Console.WriteLine(result.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
            return 0;
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
