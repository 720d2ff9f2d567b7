using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Appliance.Config;

namespace Appliance.Soak;

/// <summary>One soak user: who they are, what they may read, and their API token once issued.</summary>
public sealed record SoakUser(string Name, IReadOnlyList<string> Groups, IReadOnlyList<string> ReadableCollections)
{
    public string Token { get; set; } = "";
}

/// <summary>
/// A scratch appliance for a soak run: the sample office's config with the generated test models,
/// storage in a temporary folder, a small queue so overload really happens, and many users in
/// overlapping groups.
/// </summary>
public sealed class SoakBox : IDisposable
{
    public static string RepositoryRoot { get; } = typeof(SoakBox).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .First(a => a.Key == "RepositoryRoot").Value!.TrimEnd('/');

    public const string Admin = "soakadmin";

    private static readonly (string Id, string[] Groups, bool Uploads)[] CollectionRules =
    [
        ("handbook", ["everyone"], true),
        ("hr", ["hr"], false),
        ("clients", ["lawyers"], true),
        ("memos", ["everyone"], false),
    ];

    /// <param name="memos">an extra folder ingested as collection "memos" (readable by everyone), for fault runs</param>
    /// <param name="ownModels">copy the test models into the box, so a test may damage them</param>
    /// <param name="embeddingModel">the embedding model's file in .cache/models: the random tiny one, or the trained all-MiniLM-L6-v2 where meaning or real cost matters</param>
    /// <param name="chatModel">the chat model's file in .cache/models: the tiny one, or the ~100 M bench model where the engine's real cost matters</param>
    /// <param name="jobs">the jobs section's settings as a YAML flow mapping (e.g. "{ tokens_per_document: 1024 }"), or null for the defaults</param>
    public SoakBox(int users, int queueLimit, int parallel, string? memos = null, bool ownModels = false, string embeddingModel = "tiny-embed.gguf",
        string chatModel = "tiny-chat.gguf", int threads = 1, int contextLength = 4096, string? jobs = null)
    {
        _jobs = jobs;
        Memos = memos;
        _embeddingModel = embeddingModel;
        _chatModel = chatModel;
        _threads = threads;
        _contextLength = contextLength;
        Folder = Directory.CreateTempSubdirectory("appliance-soak-").FullName;
        ModelsFolder = Path.Combine(RepositoryRoot, ".cache", "models");
        if (ownModels)
        {
            var copy = Directory.CreateDirectory(Path.Combine(Folder, "models")).FullName;
            foreach (var file in new[] { "tiny-chat.gguf", "tiny-embed.gguf" })
                File.Copy(Path.Combine(ModelsFolder, file), Path.Combine(copy, file));
            ModelsFolder = copy;
        }
        ConfigFile = Path.Combine(Folder, "appliance.yaml");
        Users = [.. Enumerable.Range(0, users).Select(i =>
        {
            var groups = new List<string> { "everyone" };
            if (i % 4 == 0) groups.Add("hr");
            if (i % 3 == 0) groups.Add("lawyers");
            return new SoakUser($"u{i:00}", groups, Readable(groups));
        })];
        File.WriteAllText(ConfigFile, Config(queueLimit, parallel));
        var loaded = ConfigLoader.Load(ConfigFile);
        if (!loaded.IsValid) throw new InvalidOperationException("soak config is invalid:\n" + string.Join('\n', loaded.Errors));
    }

    private readonly string _embeddingModel;
    private readonly string _chatModel;
    private readonly int _threads;
    private readonly int _contextLength;
    private readonly string? _jobs;

    public string? Memos { get; }
    public string ModelsFolder { get; }
    public string Folder { get; }
    public string DataFolder => Path.Combine(Folder, "box", "data.noindex");
    public string ConfigFile { get; }
    public IReadOnlyList<SoakUser> Users { get; }
    public string AdminToken { get; set; } = "";

    public static IReadOnlyList<string> Readable(IReadOnlyCollection<string> groups) =>
        [.. CollectionRules.Where(c => c.Groups.Any(groups.Contains)).Select(c => c.Id)];

    public static IReadOnlyList<string> UploadTargets(IReadOnlyCollection<string> groups) =>
        [.. CollectionRules.Where(c => c.Uploads && c.Groups.Any(groups.Contains)).Select(c => c.Id)];

    private string Config(int queueLimit, int parallel)
    {
        var models = ModelsFolder;
        var office = Path.Combine(RepositoryRoot, ".cache", "sample-office");
        string Model(string file) => Path.Combine(models, file) is var path && File.Exists(path)
            ? Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)))
            : throw new FileNotFoundException($"{path} is missing: run `make setup` (it generates the test models)");
        if (!Directory.Exists(office)) throw new DirectoryNotFoundException($"{office} is missing: run `make setup` (it generates the sample office)");

        var users = new StringBuilder();
        users.AppendLine($"    - {{ name: {Admin}, roles: [employee, admin, dpo], groups: [everyone, hr, lawyers] }}");
        foreach (var user in Users)
            users.AppendLine($"    - {{ name: {user.Name}, roles: [employee], groups: [{string.Join(", ", user.Groups)}] }}");

        return $"""
            # Soak-run appliance: generated test models (meaningless text), sample office documents.
            # One llama.cpp thread: with two, ggml's threads wait on each other at every step and on a
            # shared 2-core machine decode speed collapses (see the inference notes).
            appliance: {"{"} name: Soak office, hostname: soak.test.lan, admin_contact: it@soak.example {"}"}
            machine: {"{"} chip: m3-ultra, memory_gb: 256 {"}"}
            network:
              office_subnets: [127.0.0.0/8]
              dns_servers: [127.0.0.1]
              ntp_servers: [127.0.0.1]
              tls: {"{"} enabled: false {"}"}
            models:
              chat:
                name: {Path.GetFileNameWithoutExtension(_chatModel)} (generated test model)
                file: {_chatModel}
                sha256: {Model(_chatModel)}
                context_length: {_contextLength}
                parallel: {parallel}
              embedding:
                name: {(_embeddingModel == "tiny-embed.gguf" ? "tiny-embed (generated test model)" : Path.GetFileNameWithoutExtension(_embeddingModel))}
                file: {_embeddingModel}
                sha256: {Model(_embeddingModel)}
                context_length: 512
                parallel: 2
            inference: {"{"} backend: llama, threads: {_threads}, queue_limit: {queueLimit} {"}"}
            rag:
              chunk_tokens: 200
              chunk_overlap_tokens: 20
              collections:
                - {"{"} id: handbook, title: Office handbook, sources: ["{office}/handbook"], groups: [everyone], uploads: true {"}"}
                - {"{"} id: hr, title: Personnel matters, sources: ["{office}/hr"], groups: [hr] {"}"}
                - {"{"} id: clients, title: Client matters, groups: [lawyers], uploads: true {"}"}
            {(Memos is null ? "" : $"    - {{ id: memos, title: Memos, sources: [\"{Memos}\"], groups: [everyone] }}\n")}
            auth:
              groups: [{"{"} id: everyone {"}"}, {"{"} id: hr {"}"}, {"{"} id: lawyers {"}"}]
              users:
            {users}
            privacy:
              controller: {"{"} name: Soak office, contact: office@soak.example {"}"}
              dpo: {"{"} name: Soak DPO, contact: dpo@soak.example {"}"}
              query_log: hashed
              legal_basis: load testing with fictional data
            storage:
              root: "{Path.Combine(Folder, "box")}"
              models: "{models}"
            {(_jobs is null ? "" : "jobs: " + _jobs)}
            """;
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); }
        catch (IOException) { }
    }
}
