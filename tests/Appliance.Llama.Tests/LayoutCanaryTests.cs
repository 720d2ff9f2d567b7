using System.Runtime.InteropServices;
using Appliance.Llama.Native;
using Appliance.TestModels;

namespace Appliance.Llama.Tests;

/// <summary>
/// The struct layouts match the pinned native build. Upgrading the pin without re-deriving the
/// layouts must fail here, because a wrong layout corrupts memory silently.
/// </summary>
public sealed class LayoutCanaryTests
{
    public LayoutCanaryTests() => _ = TestLogs.Runtime;

    private static byte[] Bytes<T>(T value) where T : struct
    {
        var bytes = new byte[Marshal.SizeOf<T>()];
        MemoryMarshal.Write(bytes, in value);
        return bytes;
    }

    [Fact]
    public void The_structs_have_the_sizes_of_this_build()
    {
        Assert.Equal(80, Marshal.SizeOf<LlamaModelParams>());
        Assert.Equal(160, Marshal.SizeOf<LlamaContextParams>());
        Assert.Equal(56, Marshal.SizeOf<LlamaBatchData>());
        Assert.Equal(1, Marshal.SizeOf<LlamaSamplerChainParams>());
    }

    [Fact]
    public void Model_params_defaults_sit_at_the_documented_offsets()
    {
        var b = Bytes(LlamaApi.llama_model_default_params());
        Assert.Equal(0L, BitConverter.ToInt64(b, 0x00));
        Assert.Equal(0L, BitConverter.ToInt64(b, 0x08));
        Assert.Equal(-1, BitConverter.ToInt32(b, 0x10));
        Assert.Equal(1, BitConverter.ToInt32(b, 0x14));
        Assert.Equal(-1, BitConverter.ToInt32(b, 0x18));
        Assert.Equal(1, BitConverter.ToInt32(b, 0x1C));
        Assert.Equal(0, BitConverter.ToInt32(b, 0x20));
        Assert.Equal(0L, BitConverter.ToInt64(b, 0x28));
        Assert.Equal(0L, BitConverter.ToInt64(b, 0x40));
        Assert.Equal(new byte[] { 0, 0, 1, 0, 0, 0 }, b[0x48..0x4E]);
    }

    [Fact]
    public void Context_params_defaults_sit_at_the_documented_offsets()
    {
        var b = Bytes(LlamaApi.llama_context_default_params());
        uint U(int off) => BitConverter.ToUInt32(b, off);
        int I(int off) => BitConverter.ToInt32(b, off);
        float F(int off) => BitConverter.ToSingle(b, off);
        Assert.Equal([512u, 2048u, 512u, 1u, 0u, 0u, 1u], new[] { U(0x00), U(0x04), U(0x08), U(0x0C), U(0x10), U(0x14), U(0x18) });
        Assert.Equal([4, 4, 0, -1, -1, -1, -1], new[] { I(0x1C), I(0x20), I(0x24), I(0x28), I(0x2C), I(0x30), I(0x34) });
        Assert.Equal([0f, 0f, -1f, -1f, -1f, -1f], new[] { F(0x38), F(0x3C), F(0x40), F(0x44), F(0x48), F(0x4C) });
        Assert.Equal(0u, U(0x50));
        Assert.Equal(-1f, F(0x54));
        Assert.Equal([1, 1], new[] { I(0x68), I(0x6C) });
        Assert.Equal(new byte[] { 0, 1, 1, 1, 1, 0 }, b[0x80..0x86]);
        Assert.Equal(0L, BitConverter.ToInt64(b, 0x88));
        Assert.Equal(0L, BitConverter.ToInt64(b, 0x90));
    }

    [Fact]
    public void Set_values_round_trip_through_the_getters()
    {
        var mp = LlamaApi.llama_model_default_params();
        mp.n_gpu_layers = 0;
        using var model = LlamaModel.LoadFromFile(TestModels.TestModels.TinyEmbed, mp);
        Assert.NotNull(model);
        var cp = LlamaApi.llama_context_default_params();
        cp.n_ctx = 1024;
        cp.n_batch = 256;
        cp.n_ubatch = 128;
        cp.n_seq_max = 4;
        cp.n_threads = 2;
        cp.n_threads_batch = 1;
        cp.pooling_type = (int)LlamaPoolingType.Mean;
        cp.embeddings = 1;
        using var ctx = LlamaContext.InitFromModel(model, cp);
        Assert.NotNull(ctx);
        Assert.Equal(1024u, ctx.ContextSize);
        Assert.Equal(256u, ctx.BatchSize);
        Assert.Equal(128u, ctx.MicroBatchSize);
        Assert.Equal(4u, ctx.MaxSequences);
        Assert.Equal(2, ctx.Threads);
        Assert.Equal(1, ctx.BatchThreads);
        Assert.Equal(LlamaPoolingType.Mean, ctx.PoolingType);
        // kv_unified = 0 splits the context evenly across the sequences.
        Assert.Equal(256u, ctx.ContextSizePerSequence);
    }

    [Fact]
    public void Kv_unified_gives_every_sequence_the_whole_context()
    {
        var mp = LlamaApi.llama_model_default_params();
        using var model = LlamaModel.LoadFromFile(TestModels.TestModels.TinyChat, mp)!;
        var cp = LlamaApi.llama_context_default_params();
        cp.n_ctx = 1024;
        cp.n_seq_max = 4;
        cp.kv_unified = 1;
        using var ctx = LlamaContext.InitFromModel(model, cp)!;
        Assert.Equal(1024u, ctx.ContextSizePerSequence);
    }
}
