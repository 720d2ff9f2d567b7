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
}
