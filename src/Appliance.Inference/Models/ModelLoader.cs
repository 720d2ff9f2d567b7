using System.Security.Cryptography;
using Appliance.Llama;

namespace Appliance.Inference;

/// <summary>Which file to load and what it must be.</summary>
/// <param name="ExpectedSha256">lower-case hex; null skips the check (tests, benchmarks)</param>
/// <param name="MemoryBudgetBytes">the most memory the model may take (weights); larger files are refused before loading</param>
public sealed record ModelRequest(string Name, string Path, string? ExpectedSha256, long MemoryBudgetBytes);

/// <summary>
/// Loads a GGUF model after checking, in order: the file exists, fits the memory budget, has the
/// configured SHA-256, is a readable GGUF that llama.cpp accepts (an unknown architecture is named as such). Every refusal is a
/// <see cref="ModelLoadException"/> that names the file and the fix; nothing native is touched
/// until the cheap checks pass.
/// </summary>
public sealed class ModelLoader(LlamaRuntime runtime)
{
    public async Task<(LlamaModel Handle, LoadedModel Info, GgufHeader Header)> LoadAsync(ModelRequest request, CancellationToken ct)
    {
        var path = request.Path;
        var file = new FileInfo(path);
        if (!file.Exists)
            throw new ModelLoadException($"model '{request.Name}': file {path} does not exist (copy it there or fix models.*.file)");
        if (file.Length > request.MemoryBudgetBytes)
            throw new ModelLoadException(
                $"model '{request.Name}': {path} is {file.Length / 1048576.0:F0} MiB, larger than the memory budget of " +
                $"{request.MemoryBudgetBytes / 1048576.0:F0} MiB (choose a smaller quantisation or raise inference.gpu_wired_limit_mb)");

        string sha;
        await using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true))
            sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
        if (request.ExpectedSha256 is { } expected && !string.Equals(expected, sha, StringComparison.OrdinalIgnoreCase))
            throw new ModelLoadException(
                $"model '{request.Name}': {path} has SHA-256 {sha}, but the configuration expects {expected.ToLowerInvariant()} " +
                "(the file is damaged or a different model; download it again or correct models.*.sha256)");

        GgufHeader header;
        try
        {
            header = GgufHeader.Read(path);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new ModelLoadException($"model '{request.Name}': {path} is not a usable GGUF file: {e.Message}", e);
        }
        var model = await Task.Run(() => LlamaModel.LoadFromFile(path), ct);
        if (model is null)
        {
            var said = runtime.RecentErrors.TakeLast(3).ToList();
            if (said.Any(m => m.Contains("unknown model architecture", StringComparison.OrdinalIgnoreCase)))
                throw new ModelLoadException(
                    $"model '{request.Name}': {path} has architecture '{header.Architecture}', which this appliance's llama.cpp " +
                    "does not run (use a GGUF of a supported architecture such as llama, qwen3, gemma3, mistral or bert)");
            throw new ModelLoadException(
                $"model '{request.Name}': llama.cpp could not load {path}" +
                (said.Count > 0 ? $": {string.Join(" / ", said)}" : "") + " (the file is likely truncated or damaged)");
        }

        var info = new LoadedModel(
            request.Name, path, sha, file.Length, header.IsTestModel,
            header.ContextLength ?? model.TrainedContextLength);
        return (model, info, header);
    }
}
