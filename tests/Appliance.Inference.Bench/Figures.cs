using System.Text.Json.Nodes;

namespace Appliance.Inference.Bench;

/// <summary>Samples of repeated runs by name, reported as medians; the machine's load average beside them.</summary>
internal sealed class Figures
{
    private readonly Dictionary<string, List<double>> _samples = [];

    public void Add(string key, double value) => (_samples.TryGetValue(key, out var l) ? l : _samples[key] = []).Add(value);

    public double Median(string key) => Percentile(_samples[key], 50);

    public double Latest(string key) => _samples[key][^1];

    public JsonObject Samples() => new(_samples.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)new JsonArray([.. kv.Value.Select(v => (JsonNode)Math.Round(v, 1))]))));

    public string Last() => string.Join(", ", _samples.Select(kv => $"{kv.Key} {kv.Value[^1]:F1}"));

    public static double Percentile(IEnumerable<double> values, int percent)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(percent / 100.0 * sorted.Count) - 1)];
    }

    public static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
}
