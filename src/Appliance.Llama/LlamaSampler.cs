using System.Runtime.InteropServices;
using Appliance.Llama.Native;

namespace Appliance.Llama;

/// <summary>
/// A sampler chain (llama_sampler*), built with the typed Add* methods in the order the tokens
/// should pass through them; samplers added to it belong to it.
/// </summary>
public sealed class LlamaSampler : SafeHandle
{
    private LlamaSampler() : base(0, ownsHandle: true) { }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        LlamaApi.llama_sampler_free(handle);
        return true;
    }

    public static LlamaSampler CreateChain()
    {
        var parameters = LlamaApi.llama_sampler_chain_default_params();
        parameters.no_perf = 1;
        var chain = new LlamaSampler();
        chain.SetHandle(LlamaApi.llama_sampler_chain_init(parameters));
        return chain;
    }

    private LlamaSampler Add(nint sampler)
    {
        LlamaApi.llama_sampler_chain_add(handle, sampler);
        return this;
    }

    /// <summary>llama_sampler_init_penalties: repetition (1 = off), frequency and presence penalties over the last <paramref name="lastN"/> tokens.</summary>
    public LlamaSampler AddPenalties(int lastN, float repeat, float frequency, float presence) =>
        Add(LlamaApi.llama_sampler_init_penalties(lastN, repeat, frequency, presence));

    public LlamaSampler AddGreedy() => Add(LlamaApi.llama_sampler_init_greedy());
    public LlamaSampler AddTopK(int k) => Add(LlamaApi.llama_sampler_init_top_k(k));
    public LlamaSampler AddTopP(float p, int minKeep = 1) => Add(LlamaApi.llama_sampler_init_top_p(p, (nuint)minKeep));
    public LlamaSampler AddMinP(float p, int minKeep = 1) => Add(LlamaApi.llama_sampler_init_min_p(p, (nuint)minKeep));
    public LlamaSampler AddTemperature(float temperature) => Add(LlamaApi.llama_sampler_init_temp(temperature));

    /// <summary>llama_sampler_init_dist: the seeded draw that ends a non-greedy chain.</summary>
    public LlamaSampler AddDistribution(uint seed) => Add(LlamaApi.llama_sampler_init_dist(seed));

    public int Length => LlamaApi.llama_sampler_chain_n(handle);

    /// <summary>llama_sampler_sample: samples from the logits at batch index idx and accepts the token.</summary>
    public int Sample(LlamaContext context, int idx) => LlamaApi.llama_sampler_sample(handle, context.Pointer, idx);

    public void Accept(int token) => LlamaApi.llama_sampler_accept(handle, token);
    public void Reset() => LlamaApi.llama_sampler_reset(handle);
}
