using System.Runtime.InteropServices;
using Appliance.Llama.Native;

namespace Appliance.Llama;

/// <summary>A sampler chain (llama_sampler*). Samplers added to it belong to it.</summary>
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

    public LlamaSampler Add(nint sampler)
    {
        LlamaApi.llama_sampler_chain_add(handle, sampler);
        return this;
    }

    public int Length => LlamaApi.llama_sampler_chain_n(handle);

    /// <summary>llama_sampler_sample: samples from the logits at batch index idx and accepts the token.</summary>
    public int Sample(LlamaContext context, int idx) => LlamaApi.llama_sampler_sample(handle, context.Pointer, idx);

    public void Accept(int token) => LlamaApi.llama_sampler_accept(handle, token);
    public void Reset() => LlamaApi.llama_sampler_reset(handle);
}
