using System.Globalization;
using System.Text.RegularExpressions;

namespace Appliance.Soak;

/// <summary>
/// The agent's own account of where serving time goes, read from /metrics: the decode loop's parts
/// (engine = inside llama_decode, sampling, detokenising, hand-off, scheduling, idle) and the request
/// threads' streaming parts (JSON, send = write and flush, the query-log write), in seconds since start.
/// </summary>
public static partial class ServingTimes
{
    public static IReadOnlyList<string> Parts { get; } =
        ["loop:engine", "loop:sampling", "loop:detokenising", "loop:hand_off", "loop:scheduling", "loop:idle", "stream:json", "stream:send", "stream:query_log"];

    public static async Task<IReadOnlyDictionary<string, double>> ReadAsync(HttpClient admin, CancellationToken ct)
    {
        var text = await admin.GetStringAsync("/metrics", ct);
        var parts = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (Match m in Sample().Matches(text))
            parts[(m.Groups[1].Value == "decode_loop" ? "loop:" : "stream:") + m.Groups[2].Value] = double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
        if (!Parts.All(parts.ContainsKey))
            throw new InvalidOperationException($"/metrics lacks {string.Join(", ", Parts.Where(p => !parts.ContainsKey(p)))}");
        return parts;
    }

    [GeneratedRegex(@"^appliance_(decode_loop|stream)_seconds_total\{part=""([a-z_]+)""\} (\S+)$", RegexOptions.Multiline)]
    private static partial Regex Sample();
}
