using Appliance.Config;

namespace Appliance.Provision.Sizing;

/// <summary>What decode speed depends on: how many bytes of weights are read per generated token.</summary>
/// <param name="BitsPerActiveWeight">Effective bits per weight read per token (quantisation plus the tensors kept at higher precision).</param>
/// <param name="KvBytesPerToken">f16 K and V for one token over all layers: 2 × layers × kv heads × head dim × 2 bytes.</param>
public sealed record ModelShape(string Name, double TotalParamsB, double ActiveParamsB, double BitsPerWeight, double BitsPerActiveWeight,
    long KvBytesPerToken, bool MixtureOfExperts, string Note)
{
    public double WeightBytes => TotalParamsB * 1e9 * BitsPerWeight / 8;
    public double BytesPerToken => ActiveParamsB * 1e9 * BitsPerActiveWeight / 8;

    public static long Kv(int layers, int kvHeads, int headDim) => 2L * layers * kvHeads * headDim * 2;
}

/// <summary>The chips and models `provision size` knows, with where each figure comes from.</summary>
public static class Catalog
{
    /// <summary>Unified-memory bandwidth in GB/s (Apple's published figures; M3 Max is the 40-core GPU variant).</summary>
    public static readonly IReadOnlyDictionary<Chip, double> BandwidthGBps = new Dictionary<Chip, double>
    {
        [Chip.M1Max] = 400, [Chip.M1Ultra] = 800, [Chip.M2Max] = 400, [Chip.M2Ultra] = 800,
        [Chip.M3Max] = 400, [Chip.M3Ultra] = 819, [Chip.M4Pro] = 273, [Chip.M4Max] = 546,
        // Not published when this table was written: assumed equal to M4 Max until Apple says otherwise.
        [Chip.M5Max] = 546,
    };

    public static readonly IReadOnlyList<ModelShape> Models =
    [
        new("llama-3.3-70b", 70.6, 70.6, 4.85, 4.85, ModelShape.Kv(80, 8, 128), false, "dense, Q4_K_M"),
        new("llama-3.1-8b", 8.0, 8.0, 4.85, 4.85, ModelShape.Kv(32, 8, 128), false, "dense, Q4_K_M"),
        new("qwen3-8b", 8.2, 8.2, 4.85, 4.85, ModelShape.Kv(36, 8, 128), false, "dense, Q4_K_M"),
        new("qwen3-30b-a3b", 30.5, 3.3, 4.85, 4.85, ModelShape.Kv(48, 4, 128), true, "MoE, 3.3B active, Q4_K_M"),
        new("gpt-oss-20b", 21, 3.6, 4.25, 6.3, ModelShape.Kv(24, 8, 64), true, "MoE, MXFP4 experts; attention/embeddings at 8–16 bit"),
        new("gpt-oss-120b", 117, 5.1, 4.25, 6.3, ModelShape.Kv(36, 8, 64), true, "MoE, MXFP4 experts; attention/embeddings at 8–16 bit"),
        new("bge-m3", 0.57, 0.57, 8.5, 8.5, 0, false, "embedding encoder, Q8_0, no KV cache between requests"),
        new("all-minilm-l6-v2", 0.0227, 0.0227, 16, 16, 0, false, "English embedding encoder, F16 (converted at setup), no KV cache between requests"),
    ];

    public static ModelShape? Find(string name)
    {
        var key = name.ToLowerInvariant();
        return Models.FirstOrDefault(m => m.Name == key)
               ?? Models.OrderByDescending(m => m.Name.Length).FirstOrDefault(m => key.Replace('_', '-').Replace('.', '-').Contains(m.Name.Replace('.', '-')));
    }

    /// <summary>
    /// Published single-user decode figures the speed model is checked against (llama.cpp / MLX
    /// community measurements on Mac Studio; see README). Tests keep the model within these ranges.
    /// </summary>
    public static readonly IReadOnlyList<Calibration> Calibrations =
    [
        new(Chip.M3Ultra, "llama-3.3-70b", 1, 12, 18),
        new(Chip.M3Ultra, "qwen3-30b-a3b", 1, 75, 93),
        new(Chip.M3Ultra, "qwen3-30b-a3b", 8, 22, 28),
        new(Chip.M3Ultra, "gpt-oss-120b", 1, 60, 78),
        new(Chip.M4Max, "qwen3-30b-a3b", 1, 72, 90),
    ];
}

/// <summary>A published figure: tok/s per user at a number of concurrent users (range around the reported value).</summary>
public sealed record Calibration(Chip Chip, string Model, int Users, double LowTokS, double HighTokS);
