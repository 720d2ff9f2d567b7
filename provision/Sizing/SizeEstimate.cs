using Appliance.Config;

namespace Appliance.Provision.Sizing;

/// <summary>
/// Whether a model fits a Mac and how fast it decodes for how many people. The embedding model
/// loads beside the chat model, so its weights count toward the fit too.
/// </summary>
public sealed record SizeEstimate(
    Chip Chip, int MemoryGb, ModelShape Model, int Users, int ContextTokens, ModelShape? Embedding,
    double WeightsGb, double EmbeddingGb, double KvGb, double ReserveGb, double WiredLimitGb, bool Fits,
    double SingleStreamTokS, double PerUserTokS, double AggregateTokS)
{
    /// <summary>Weights are read once per token at about 75 % of peak bandwidth.</summary>
    public const double BandwidthEfficiency = 0.75;

    /// <summary>Per-token cost that does not scale with weight bytes (kernel dispatch, sampling, attention).</summary>
    public const double FixedSecondsPerToken = 0.008;

    /// <summary>How much a step slows per extra concurrent sequence (MoE: different experts per token; calibrated on Qwen3-30B-A3B at 8 users).</summary>
    public const double MoeSlowdownPerSequence = 0.364;
    public const double DenseSlowdownPerSequence = 0.12;

    public static SizeEstimate For(Chip chip, int memoryGb, ModelShape model, int users, int contextTokens, ModelShape? embedding = null)
    {
        var bandwidth = Catalog.BandwidthGBps[chip] * 1e9;
        var single = 1 / (model.BytesPerToken / (bandwidth * BandwidthEfficiency) + FixedSecondsPerToken);
        var slowdown = 1 + (users - 1) * (model.MixtureOfExperts ? MoeSlowdownPerSequence : DenseSlowdownPerSequence);
        var perUser = single / slowdown;
        var weights = model.WeightBytes / (1L << 30);
        var embeddingWeights = (embedding?.WeightBytes ?? 0) / (1L << 30);
        var kv = (double)model.KvBytesPerToken * contextTokens * users / (1L << 30);
        var reserve = Desired.MemoryBudget.ReserveMb(memoryGb) / 1024.0;
        var wired = memoryGb - reserve;
        return new SizeEstimate(chip, memoryGb, model, users, contextTokens, embedding, weights, embeddingWeights, kv, reserve, wired,
            weights + embeddingWeights + kv <= wired,
            single, perUser, perUser * users);
    }
}
