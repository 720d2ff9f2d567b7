using Appliance.Config;
using Appliance.Provision.Sizing;

namespace Appliance.Provision.Tests;

/// <summary>`provision size`: the bandwidth model against published Mac Studio figures.</summary>
public sealed class SizingTests
{
    public static TheoryData<Calibration> Published() => [.. Catalog.Calibrations];

    [Theory]
    [MemberData(nameof(Published))]
    public void Predictions_fall_within_the_published_range(Calibration published)
    {
        var estimate = SizeEstimate.For(published.Chip, 256, Catalog.Find(published.Model)!, published.Users, 4096);
        Assert.InRange(estimate.PerUserTokS, published.LowTokS, published.HighTokS);
    }

    [Fact]
    public void A_70B_model_for_twelve_people_fits_256_GB_but_not_64_GB()
    {
        var llama = Catalog.Find("llama-3.3-70b")!;
        Assert.True(SizeEstimate.For(Chip.M3Ultra, 256, llama, 12, 8192).Fits);
        var small = SizeEstimate.For(Chip.M4Max, 64, llama, 12, 8192);
        Assert.False(small.Fits);
        Assert.True(small.WeightsGb + small.KvGb > small.WiredLimitGb);
    }

    [Fact]
    public void More_people_at_once_means_less_speed_each_but_more_in_total()
    {
        var qwen = Catalog.Find("Qwen3-30B-A3B-Q4_K_M")!;
        var one = SizeEstimate.For(Chip.M3Ultra, 256, qwen, 1, 8192);
        var twelve = SizeEstimate.For(Chip.M3Ultra, 256, qwen, 12, 8192);
        Assert.True(twelve.PerUserTokS < one.PerUserTokS);
        Assert.True(twelve.AggregateTokS > one.AggregateTokS);
        Assert.Equal("qwen3-30b-a3b", qwen.Name);
    }

    [Fact]
    public void The_embedding_model_loaded_beside_the_chat_model_counts_toward_the_fit()
    {
        var bge = Catalog.Find("bge-m3-Q8_0.gguf")!;
        var without = SizeEstimate.For(Chip.M4Max, 64, Catalog.Find("qwen3-8b")!, 1, 8192);
        // A chat model that leaves less room under the wired limit than bge-m3 needs.
        var tight = Catalog.Find("qwen3-8b")! with { TotalParamsB = (without.WiredLimitGb - without.KvGb - bge.WeightBytes / 2 / (1L << 30)) * (1L << 30) * 8 / 4.85 / 1e9 };
        Assert.True(SizeEstimate.For(Chip.M4Max, 64, tight, 1, 8192).Fits);
        var with = SizeEstimate.For(Chip.M4Max, 64, tight, 1, 8192, bge);
        Assert.False(with.Fits);
        Assert.InRange(with.EmbeddingGb, 0.5, 0.7);
        Assert.Equal("all-minilm-l6-v2", Catalog.Find("all-minilm-l6-v2-f16.gguf")!.Name);
    }

    [Fact]
    public async Task Preflight_counts_the_embedding_model_before_it_is_pulled()
    {
        using var box = new TestBox("preflight-embedding");
        File.Delete(Path.Combine(box.ModelCache, "embed.gguf"));
        await using var session = await box.OpenAsync();
        var ram = Assert.Single(await session.PreflightAsync(CancellationToken.None), f => f.Check == "RAM for models");
        // bge-m3 Q8_0 is about 0.6 GB on the box even while its file is still missing here.
        Assert.Contains("(embedding bge-m3 0.6 GB)", ram.Observed);
    }
}
