using Appliance.Inference;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Tests.Shared;

/// <summary>
/// An embedding model loaded once for the tests that share it (a class or collection fixture).
/// Compiled into each test project that embeds, so every fixture is one line naming its model.
/// </summary>
public abstract class LoadedEmbeddingModel(string name, string path, string sha256, int threads) : IAsyncLifetime
{
    public LlamaEmbeddingGenerator Generator { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Generator = await LlamaEmbeddingGenerator.OpenAsync(
            new ModelRequest(name, path, sha256, long.MaxValue), threads, NullLoggerFactory.Instance, CancellationToken.None);

    public Task DisposeAsync()
    {
        Generator.Dispose();
        return Task.CompletedTask;
    }
}
