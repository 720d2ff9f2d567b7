using Appliance.Config;
using Appliance.Inference;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Agent.Cli;

/// <summary>
/// The config's embedding model, loaded by a CLI verb to embed a question as the agent would
/// (same file, same digest check, so its vectors match the stored ones). Null, with a note why,
/// when the box embeds through an upstream or the file is not there.
/// </summary>
internal static class QueryEmbeddings
{
    public static async Task<LlamaEmbeddingGenerator?> OpenAsync(ApplianceConfig config, string directory, CancellationToken cancellationToken)
    {
        if (config.Inference.Backend != InferenceBackend.Llama)
        {
            Console.Error.WriteLine("note: the embedding model runs upstream (inference.backend: openai); searching by keywords only");
            return null;
        }
        var spec = config.Models.Embedding;
        var file = ConfigPaths.ModelFile(config, spec, directory);
        if (!File.Exists(file))
        {
            Console.Error.WriteLine($"note: no embedding model at {file} (models.embedding); searching by keywords only");
            return null;
        }
        // One thread: a question is a few tokens, and the agent may be using the other cores.
        return await LlamaEmbeddingGenerator.OpenAsync(new ModelRequest(spec.Name, file, spec.Sha256.Hex, long.MaxValue),
            threads: 1, NullLoggerFactory.Instance, cancellationToken);
    }
}
