using Appliance.Config;
using Appliance.TestModels;

namespace Appliance.Agent.Tests;

/// <summary>A throw-away appliance: a temp folder with an appliance.yaml whose storage lives inside it.</summary>
public sealed class TestOffice : IDisposable
{
    public const string Password = "correct horse battery";

    private TestOffice(string folder, string configFile, ApplianceConfig config) => (Folder, ConfigFile, Config) = (folder, configFile, config);

    public string Folder { get; }
    public string ConfigFile { get; }
    public ApplianceConfig Config { get; }
    public string DataFolder => ConfigPaths.DataFolder(Config, Folder);

    public static string RepoRoot { get; } = FindRepoRoot();

    /// <param name="queryLog">full, hashed or off.</param>
    /// <param name="ldap">an auth.ldap block (YAML, indented for the auth section), or null.</param>
    /// <param name="storageRoot">storage.root, relative to the office folder (e.g. inside a sandbox-provisioned box)</param>
    /// <param name="jobs">the jobs section as a YAML flow mapping, or null for the defaults</param>
    public static TestOffice Create(string queryLog = "full", string? ldap = null, int lockoutAttempts = 3, int parallel = 4, int queueLimit = 8, bool tls = false,
        string storageRoot = ".", int chatContext = 2048, int agentPort = 8443, bool history = true, string? jobs = null)
    {
        var folder = Path.Combine(Path.GetTempPath(), "appliance-agent-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        if (tls) SelfSignedCertificate.WritePem(Path.Combine(folder, "tls"));
        var yaml = Yaml(queryLog, ldap, lockoutAttempts, parallel, queueLimit, tls, storageRoot, chatContext, agentPort, history)
            + (jobs is null ? "" : "\njobs: " + jobs + "\n");
        var file = Path.Combine(folder, "appliance.yaml");
        File.WriteAllText(file, yaml);
        OfficeDocuments.WriteTo(folder);
        return new TestOffice(folder, file, ConfigLoader.Load(file).Require());
    }

    private static string Yaml(string queryLog, string? ldap, int lockoutAttempts, int parallel, int queueLimit, bool tls, string storageRoot, int chatContext, int agentPort,
        bool history) => $$"""
        appliance:
          name: "Test office"
          hostname: ai-box.test.lan
          admin_contact: it@test.example
        machine: { chip: m3-ultra, memory_gb: 256 }
        network:
          office_subnets: [127.0.0.0/8]
          dns_servers: [127.0.0.1]
          ntp_servers: [127.0.0.1]
          agent_port: {{agentPort}}
          tls: {{(tls ? "{ enabled: true, certificate: tls/cert.pem, key: tls/key.pem }" : "{ enabled: false }")}}
        models:
          chat:
            name: tiny-chat
            file: tiny-chat.gguf
            sha256: {{TestModelSpec.TinyChat.ExpectedSha256}}
            context_length: {{chatContext}}
            parallel: {{parallel}}
          embedding:
            name: tiny-embed
            file: tiny-embed.gguf
            sha256: {{TestModelSpec.TinyEmbed.ExpectedSha256}}
            context_length: 512
            parallel: 2
        inference: { queue_limit: {{queueLimit}} }
        rag:
          max_upload_mb: 1
          collections:
            - { id: handbook, title: Handbook, sources: [docs/handbook], groups: [everyone] }
            - { id: clients, title: Client matters, sources: [docs/clients], groups: [lawyers], uploads: true }
            - { id: hr, title: Personnel files, sources: [docs/hr], groups: [hr] }
        auth:
          groups:
            - { id: everyone, title: All staff }
            - { id: lawyers, title: Lawyers }
            - { id: hr, title: Office management }
          users:
            - { name: anna, display_name: Anna Admin, roles: [employee, admin], groups: [everyone] }
            - { name: emil, display_name: Emil Employee, roles: [employee], groups: [everyone] }
            - { name: dora, display_name: Dora DPO, roles: [employee, dpo], groups: [everyone, hr] }
            - { name: lars, display_name: Lars Lawyer, roles: [employee], groups: [everyone, lawyers] }
          lockout: { attempts: {{lockoutAttempts}}, minutes: 15 }
        {{(ldap is null ? "" : "  ldap:\n" + ldap)}}
        privacy:
          controller: { name: Test GmbH, contact: office@test.example }
          dpo: { name: Dora DPO, contact: dpo@test.example }
          query_log: {{queryLog}}
          retention_days: 30
          history: { enabled: {{(history ? "true" : "false")}} }
          legal_basis: "Art. 6(1)(f) GDPR"
        storage:
          root: "{{storageRoot}}"
          models: "{{TestModels.TestModels.Folder}}"
          data: data.noindex
        """;

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Appliance.slnx"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (Appliance.slnx) above " + AppContext.BaseDirectory);
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
