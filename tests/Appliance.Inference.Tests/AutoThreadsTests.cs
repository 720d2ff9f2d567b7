namespace Appliance.Inference.Tests;

public sealed class AutoThreadsTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(4, 3)]
    [InlineData(32, 31)]
    public void Threads_auto_leaves_one_core_for_the_rest_of_the_box(int processors, int threads) =>
        Assert.Equal(threads, InferenceService.AutoThreads(processors));
}
