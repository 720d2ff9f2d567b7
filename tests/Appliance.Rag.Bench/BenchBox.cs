using Appliance.Config;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Rag.Bench;

/// <summary>A fresh appliance folder (config and an empty data folder) with one collection over a corpus.</summary>
public static class BenchBox
{
    public static string Fresh(string work, string name, string corpus, string title, string language, EmbeddingChoice model)
    {
        var box = Path.Combine(work, "box-" + name);
        if (Directory.Exists(box)) Directory.Delete(box, recursive: true);
        Directory.CreateDirectory(box);
        var languageEntry = $", language: {language}";
        File.WriteAllText(Path.Combine(box, "appliance.yaml"), $$"""
            appliance: { name: Bench, hostname: bench.test.lan, admin_contact: it@bench.example }
            machine: { chip: m4-max, memory_gb: 128 }
            network: { office_subnets: [10.1.0.0/16], dns_servers: [10.1.0.1], ntp_servers: [10.1.0.1] }
            models:
              chat: { name: chat, file: chat.gguf, sha256: {{new string('a', 64)}}, source: https://models.test/chat.gguf }
              embedding: { name: {{model.Name}}, file: {{Path.GetFileName(model.Path)}}, sha256: {{model.Sha256}}, source: https://models.test/e.gguf }
            rag:
              collections:
                - { id: docs, title: "{{title}}", sources: ["{{corpus}}"], groups: [everyone]{{languageEntry}} }
            auth:
              groups: [{ id: everyone }]
              users: [{ name: admin, roles: [employee, admin], groups: [everyone] }]
            privacy:
              controller: { name: Bench, contact: dpo@bench.example }
              dpo: { name: Bench, contact: dpo@bench.example }
              legal_basis: benchmark
            storage: { root: "{{box}}", models: models, data: data }
            """);
        return box;
    }

    public static Task<DocumentLibrary> OpenAsync(string box, IEmbeddingGenerator<string, Embedding<float>>? embeddings)
    {
        var config = ConfigLoader.Load(Path.Combine(box, "appliance.yaml")).Require();
        return DocumentLibrary.OpenAsync(config, box, embeddings, NullLoggerFactory.Instance, CancellationToken.None);
    }
}
