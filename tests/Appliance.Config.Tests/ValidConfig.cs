namespace Appliance.Config.Tests;

/// <summary>A small valid config the broken-config table mutates one thing at a time.</summary>
internal static class ValidConfig
{
    public const string Text = """
        appliance:
          name: Test office
          hostname: box.test.lan
          admin_contact: it@test.example
        machine:
          chip: m4-max
          memory_gb: 128
        network:
          office_subnets: [10.1.0.0/16]
          admin_hosts: [10.1.0.5]
          dns_servers: [10.1.0.1]
          ntp_servers: [10.1.0.1]
          agent_port: 8443
          tls:
            enabled: true
          update_window:
            day: sunday
            start: "03:00"
        models:
          chat:
            name: chat
            file: chat.gguf
            sha256: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
            source: https://models.test/chat.gguf
            context_length: 8192
          embedding:
            name: embed
            file: embed.gguf
            sha256: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
            source: https://models.test/embed.gguf
        inference:
          backend: llama
          threads: auto
          gpu_wired_limit_mb: auto
        rag:
          chunk_tokens: 400
          chunk_overlap_tokens: 60
          hybrid: { lexical: 1.0, vector: 1.0 }
          collections:
            - id: handbook
              title: Handbook
              groups: [staff]
            - id: hr
              title: Personnel
              groups: [hr]
        auth:
          groups:
            - id: staff
            - id: hr
          users:
            - name: boss
              roles: [admin, employee]
              groups: [staff, hr]
            - name: clerk
              groups: [staff]
        privacy:
          controller: { name: Test office, contact: office@test.example }
          dpo: { name: Data Officer, contact: dpo@test.example }
          query_log: hashed
          retention_days: 90
          legal_basis: contract
        system:
          filevault: required
        """;

    public static ConfigLoadResult Load(string text) =>
        ConfigLoader.LoadText(text, "appliance.yaml", Path.GetTempPath());
}
