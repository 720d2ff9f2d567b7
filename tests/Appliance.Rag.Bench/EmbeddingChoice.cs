using System.Security.Cryptography;
using Appliance.Inference;
using Appliance.TestModels;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Rag.Bench;

/// <summary>
/// The embedding model the quality sets run with: the file given by --embedding-model, else the
/// trained all-MiniLM-L6-v2 that setup converts, else the generated tiny-embed, whose random
/// weights make every vector figure noise (said so in the output and in rag.json).
/// </summary>
public sealed record EmbeddingChoice(string Name, string Path, string Sha256, bool Meaningful)
{
    public const string TrainedModel = ".cache/models/all-minilm-l6-v2-f16.gguf";

    public static EmbeddingChoice Resolve(string? given, string repositoryRoot)
    {
        if (given is not null)
        {
            if (!File.Exists(given)) throw new FileNotFoundException($"--embedding-model {given}: no such file", given);
            var chosen = Of(given, meaningful: true);
            return chosen with { Meaningful = chosen.Sha256 != TestModelSpec.TinyEmbed.ExpectedSha256 };
        }
        var trained = System.IO.Path.Combine(repositoryRoot, TrainedModel);
        return File.Exists(trained)
            ? Of(trained, meaningful: true)
            : new EmbeddingChoice("tiny-embed", TestModels.TestModels.TinyEmbed, TestModelSpec.TinyEmbed.ExpectedSha256, Meaningful: false);
    }

    /// <summary>What the output says about the vector figures.</summary>
    public string Note => Meaningful
        ? $"embedding model {Name} ({Path}, sha256 {Sha256[..12]})"
        : $"embedding model {Name} has random weights: the vector-only and hybrid figures are meaningless (make setup converts the trained model to {TrainedModel})";

    public Task<LlamaEmbeddingGenerator> OpenAsync(int threads, CancellationToken ct) =>
        LlamaEmbeddingGenerator.OpenAsync(new ModelRequest(Name, Path, Sha256, long.MaxValue), threads, NullLoggerFactory.Instance, ct);

    private static EmbeddingChoice Of(string path, bool meaningful)
    {
        // The box config pins the model by digest; hashing a 45 MB file takes a fraction of a second.
        using var stream = File.OpenRead(path);
        var sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        return new EmbeddingChoice(System.IO.Path.GetFileNameWithoutExtension(path), System.IO.Path.GetFullPath(path), sha, meaningful);
    }
}
