using Appliance.Llama;

namespace Appliance.Inference;

/// <summary>The llama.cpp sampler chain a request's <see cref="SamplingOptions"/> ask for, in llama.cpp's usual order.</summary>
internal static class SamplerChains
{
    public static LlamaSampler For(SamplingOptions o)
    {
        var chain = LlamaSampler.CreateChain();
        if (o.RepetitionPenalty != 1f || o.FrequencyPenalty != 0f || o.PresencePenalty != 0f)
            chain.AddPenalties(o.PenaltyLastN, o.RepetitionPenalty, o.FrequencyPenalty, o.PresencePenalty);
        if (o.Temperature <= 0) return chain.AddGreedy();
        if (o.TopK > 0) chain.AddTopK(o.TopK);
        if (o.TopP is > 0 and < 1) chain.AddTopP(o.TopP);
        if (o.MinP is > 0 and < 1) chain.AddMinP(o.MinP);
        return chain.AddTemperature(o.Temperature).AddDistribution(o.Seed ?? (uint)Random.Shared.Next());
    }
}
