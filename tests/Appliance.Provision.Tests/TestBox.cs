using System.Reflection;
using System.Security.Cryptography;
using Appliance.Exec;
using Appliance.Provision;
using Appliance.Provision.Targets;

namespace Appliance.Provision.Tests;

/// <summary>
/// A scratch folder with an appliance.yaml derived from the repository's example, two generated
/// "model" files (random bytes, pinned by SHA-256 — not real weights), and a sandbox target.
/// </summary>
public sealed class TestBox : IDisposable
{
    public static string RepositoryRoot { get; } = typeof(TestBox).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .First(a => a.Key == "RepositoryRoot").Value!.TrimEnd('/');

    public TestBox(string? name = null)
    {
        Folder = Directory.CreateTempSubdirectory("provision-test-" + (name ?? "box") + "-").FullName;
        ModelCache = Path.Combine(Folder, ".cache", "models");
        Directory.CreateDirectory(ModelCache);
        ChatSha = WriteModel("chat.gguf", 96_000, 1);
        EmbeddingSha = WriteModel("embed.gguf", 64_000, 2);
        RerankerSha = WriteModel("rerank.gguf", 32_000, 3);
        SandboxRoot = Path.Combine(Folder, "mac");
        ConfigFile = Path.Combine(Folder, "appliance.yaml");
        WriteConfig(BaseConfig());
    }

    public string Folder { get; }
    public string ModelCache { get; }
    public string SandboxRoot { get; }
    public string ConfigFile { get; }
    public string ChatSha { get; }
    public string EmbeddingSha { get; }
    public string RerankerSha { get; }
    public string Target => "sandbox:" + SandboxRoot;

    /// <summary>The repository's example config with the test models and an extra reranker.</summary>
    public string BaseConfig()
    {
        var text = File.ReadAllText(Path.Combine(RepositoryRoot, "appliance.yaml"))
            .Replace("file: Qwen3-30B-A3B-Q4_K_M.gguf", "file: chat.gguf")
            .Replace("file: bge-m3-Q8_0.gguf", "file: embed.gguf")
            .Replace("0000000000000000000000000000000000000000000000000000000000000001", ChatSha)
            .Replace("0000000000000000000000000000000000000000000000000000000000000002", EmbeddingSha);
        // Scenarios are about the OS; OcrControlTests covers Tesseract, which an admin installs by hand.
        text = text.Replace(OcrOn, OcrOff);
        // The example's backup block ends the file; backup tests add their own, with a key they hold.
        text = text[..text.IndexOf(ExampleBackup, StringComparison.Ordinal)] + "\n";
        return text.Replace("\ninference:", $"""

              reranker:
                name: bge-reranker
                file: rerank.gguf
                sha256: {RerankerSha}
                source: https://models.example/rerank.gguf
                context_length: 512
                parallel: 1

            inference:
            """);
    }

    public void WriteConfig(string text) => File.WriteAllText(ConfigFile, text);

    /// <summary>How the example config turns OCR on; <see cref="BaseConfig"/> turns it off.</summary>
    public const string OcrOn = "    enabled: true\n    tesseract: ";
    public const string OcrOff = "    enabled: false\n    tesseract: ";

    /// <summary>Where the example config's backup block begins (the last block of the file).</summary>
    public const string ExampleBackup = "\nbackup:";

    public Task<ProvisioningSession> OpenAsync(string? target = null, string? sshConfig = null) =>
        ProvisioningSession.OpenAsync(ConfigFile, target ?? Target, new SessionOptions { ModelCache = ModelCache, SshConfig = sshConfig }, CancellationToken.None);

    /// <summary>Runs a (simulated) macOS command on the sandbox, as someone at the box would.</summary>
    public async Task<CommandResult> MacAsync(string program, params string[] arguments)
    {
        await using var session = await OpenAsync();
        return await session.Target.RunAsync(Command.Of(program, arguments), CancellationToken.None);
    }

    public string HostPath(string macPath) => Path.Combine(SandboxRoot, macPath.TrimStart('/'));

    private string WriteModel(string name, int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        File.WriteAllBytes(Path.Combine(ModelCache, name), bytes);
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); }
        catch (IOException) { /* a test's leftover process may still hold a file; the temp folder is cleaned later */ }
    }
}
