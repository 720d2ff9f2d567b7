using Appliance.Config;
using Appliance.Inference;
using Appliance.SampleDocs;
using Appliance.TestModels;
using Appliance.Tests.Shared;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Rag.Tests;

/// <summary>The sample office's documents, generated once per test run into a temporary folder.</summary>
public sealed class SampleOfficeFixture : IDisposable
{
    public SampleOfficeFixture()
    {
        Root = Directory.CreateTempSubdirectory("sample-office").FullName;
        Files = SampleOffice.Generate(Path.Combine(SampleOffice.RepositoryRoot(), "tests", "sample-office"), Root);
    }

    public string Root { get; }
    public IReadOnlyList<string> Files { get; }
    public string Handbook => Path.Combine(Root, "handbook");
    public string Hr => Path.Combine(Root, "hr");

    public string File(string relative) => Path.Combine(Root, relative);

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

/// <summary>The generated tiny embedding model (random weights: its vectors have structure, not meaning), loaded once.</summary>
public sealed class EmbeddingModelFixture() : LoadedEmbeddingModel(
    "tiny-embed", TestModels.TestModels.TinyEmbed, TestModelSpec.TinyEmbed.ExpectedSha256, threads: 2);

/// <summary>
/// The trained all-MiniLM-L6-v2 converted at setup, loaded once for the collection: for the tests
/// that are about meaning (1 thread: the fastest on a busy 2-core box).
/// </summary>
public sealed class TrainedEmbeddingFixture() : LoadedEmbeddingModel(
    "all-minilm-l6-v2", TestModels.TestModels.MiniLm, TestModels.Conversion.TrainedModelSpec.MiniLm.ExpectedSha256, threads: 1);

[CollectionDefinition(Name)]
public sealed class SampleOfficeCollection : ICollectionFixture<SampleOfficeFixture>, ICollectionFixture<EmbeddingModelFixture>,
    ICollectionFixture<TrainedEmbeddingFixture>
{
    public const string Name = "sample office";
}

/// <summary>An appliance.yaml for tests: collections "handbook" (group everyone) and "hr" (group hr) over the given folders.</summary>
public sealed class TestBox : IDisposable
{
    /// <param name="language">the handbook collection's `language:`, or null to leave it at its default</param>
    public TestBox(string handbook, string hr, int maxFileMb = 100, int chunkTokens = 400, bool uploads = true, string? language = null)
    {
        Folder = Directory.CreateTempSubdirectory("box").FullName;
        var text = $$"""
            appliance: { name: Test office, hostname: box.test.lan, admin_contact: it@test.example }
            machine: { chip: m4-max, memory_gb: 128 }
            network:
              office_subnets: [10.1.0.0/16]
              dns_servers: [10.1.0.1]
              ntp_servers: [10.1.0.1]
            models:
              chat: { name: chat, file: chat.gguf, sha256: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, source: https://models.test/chat.gguf }
              embedding: { name: embed, file: embed.gguf, sha256: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb, source: https://models.test/embed.gguf }
            rag:
              chunk_tokens: {{chunkTokens}}
              chunk_overlap_tokens: {{chunkTokens / 8}}
              max_file_mb: {{maxFileMb}}
              max_upload_mb: 1
              collections:
                - { id: handbook, title: Handbook, sources: ["{{handbook}}"], groups: [everyone], uploads: {{(uploads ? "true" : "false")}}{{(language is null ? "" : ", language: " + language)}} }
                - { id: hr, title: Personnel, sources: ["{{hr}}"], groups: [hr] }
            auth:
              groups: [{ id: everyone }, { id: hr }]
              users:
                - { name: lfischer, groups: [everyone] }
                - { name: sweiss, roles: [employee, admin], groups: [everyone, hr] }
            privacy:
              controller: { name: Test GmbH, contact: dpo@test.example }
              dpo: { name: Test DPO, contact: dpo@test.example }
              legal_basis: test
            storage: { root: "{{Folder}}", models: models, data: data }
            """;
        ConfigPath = Path.Combine(Folder, "appliance.yaml");
        System.IO.File.WriteAllText(ConfigPath, text);
        Config = ConfigLoader.Load(ConfigPath).Require();
    }

    public string Folder { get; }
    public string ConfigPath { get; }
    public ApplianceConfig Config { get; private set; }

    /// <summary>Edits appliance.yaml (e.g. a collection's language) for the next open of the same data folder.</summary>
    public void Rewrite(Func<string, string> edit)
    {
        System.IO.File.WriteAllText(ConfigPath, edit(System.IO.File.ReadAllText(ConfigPath)));
        Config = ConfigLoader.Load(ConfigPath).Require();
    }
    public string DataFolder => Path.Combine(Folder, "data");

    /// <param name="embeddings">the real tiny embedding model, or null for a lexical-only library</param>
    public Task<DocumentLibrary> OpenAsync(IEmbeddingGenerator<string, Embedding<float>>? embeddings = null) =>
        DocumentLibrary.OpenAsync(Config, Folder, embeddings, NullLoggerFactory.Instance, CancellationToken.None);

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
