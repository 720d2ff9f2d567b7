namespace Appliance.Config.Tests;

/// <summary>
/// Each broken config changes one thing in a valid config. The error must name the exact field
/// and point at the exact line and column: the position of <c>At</c> in the broken text.
/// </summary>
public sealed class BrokenConfigTests
{
    public sealed record Case(string Name, string Find, string Replace, string Path, string At, string Says)
    {
        public override string ToString() => Name;
    }

    public static readonly Case[] Cases =
    [
        new("unknown top-level key", "machine:\n", "machin_extra: 1\nmachine:\n", "machin_extra", "machin_extra", "unknown key"),
        new("misspelt key gets a suggestion", "hostname: box", "hostnme: box", "appliance.hostnme", "hostnme", "did you mean 'hostname'"),
        new("required field missing", "  hostname: box.test.lan\n", "", "appliance.hostname", "name: Test office", "is missing"),
        new("required section missing", "privacy:\n  controller: { name: Test office, contact: office@test.example }\n  dpo: { name: Data Officer, contact: dpo@test.example }\n  query_log: hashed\n  retention_days: 90\n  legal_basis: contract\n", "", "privacy", "appliance:", "is missing"),
        new("host name with spaces", "hostname: box.test.lan", "hostname: my box", "appliance.hostname", "my box", "host name"),
        new("unknown chip", "chip: m4-max", "chip: m9-giga", "machine.chip", "m9-giga", "one of m1-max"),
        new("memory not a number", "memory_gb: 128", "memory_gb: lots", "machine.memory_gb", "lots", "whole number from 8 to 1024"),
        new("memory out of range", "memory_gb: 128", "memory_gb: 4", "machine.memory_gb", "4\nnetwork", "from 8 to 1024"),
        new("number in quotes is text", "memory_gb: 128", "memory_gb: \"128\"", "machine.memory_gb", "\"128\"", "whole number"),
        new("subnet prefix too long", "office_subnets: [10.1.0.0/16]", "office_subnets: [10.1.0.0/33]", "network.office_subnets[0]", "10.1.0.0/33", "CIDR"),
        new("subnet with host bits", "office_subnets: [10.1.0.0/16]", "office_subnets: [10.1.0.5/16]", "network.office_subnets[0]", "10.1.0.5/16", "host bits zero"),
        new("second subnet bad", "office_subnets: [10.1.0.0/16]", "office_subnets: [10.1.0.0/16, office]", "network.office_subnets[1]", "office]", "CIDR"),
        new("no office subnet", "office_subnets: [10.1.0.0/16]", "office_subnets: []", "network.office_subnets", "[]", "at least 1"),
        new("dns server is a name", "dns_servers: [10.1.0.1]", "dns_servers: [dns.test.lan]", "network.dns_servers[0]", "dns.test.lan", "IP address"),
        new("dns servers not a list", "dns_servers: [10.1.0.1]", "dns_servers: 10.1.0.1", "network.dns_servers", "10.1.0.1\n  ntp", "a list"),
        new("port out of range", "agent_port: 8443", "agent_port: 70000", "network.agent_port", "70000", "from 1 to 65535"),
        new("boolean spelt yes", "enabled: true", "enabled: yes", "network.tls.enabled", "yes", "true or false"),
        new("time of day invalid", "start: \"03:00\"", "start: \"25:00\"", "network.update_window.start", "\"25:00\"", "HH:mm"),
        new("weekday invalid", "day: sunday", "day: funday", "network.update_window.day", "funday", "one of monday"),
        new("sha256 too short", "sha256: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "sha256: abc", "models.chat.sha256", "abc", "64 hex"),
        new("sha256 not hex", "sha256: bbbb", "sha256: zzzz", "models.embedding.sha256", "zzzzbbbb", "64 hex"),
        new("model source not https", "source: https://models.test/chat.gguf", "source: http://models.test/chat.gguf", "models.chat.source", "http://models.test/chat.gguf", "https://"),
        new("model source not a URL", "source: https://models.test/embed.gguf", "source: embed", "models.embedding.source", "embed\ninference", "URL"),
        new("model file missing without source", "    source: https://models.test/chat.gguf\n", "", "models.chat.file", "chat.gguf", "does not exist"),
        new("context length too small", "context_length: 8192", "context_length: 100", "models.chat.context_length", "100", "from 256"),
        new("unknown backend", "backend: llama", "backend: vllm", "inference.backend", "vllm", "llama, openai"),
        new("openai backend without upstreams", "backend: llama", "backend: openai", "inference.upstreams", "backend: openai", "at least one upstream"),
        new("upstream not a URL", "backend: llama", "backend: openai\n  upstreams: [not-a-url]", "inference.upstreams[0]", "not-a-url", "URL"),
        new("threads neither auto nor number", "threads: auto", "threads: many", "inference.threads", "many", "'auto' or a positive"),
        new("wired limit zero", "gpu_wired_limit_mb: auto", "gpu_wired_limit_mb: 0", "inference.gpu_wired_limit_mb", "0\nrag:", "'auto' or a positive"),
        new("overlap not below chunk size", "chunk_overlap_tokens: 60", "chunk_overlap_tokens: 400", "rag.chunk_overlap_tokens", "400\n  hybrid", "below the chunk size"),
        new("tesseract path relative", "  hybrid: { lexical: 1.0, vector: 1.0 }\n", "  hybrid: { lexical: 1.0, vector: 1.0 }\n  ocr: { tesseract: bin/tesseract }\n", "rag.ocr.tesseract", "bin/tesseract", "not an absolute path"),
        new("extraction memory too small", "  hybrid: { lexical: 1.0, vector: 1.0 }\n", "  hybrid: { lexical: 1.0, vector: 1.0 }\n  extraction: { memory_mb: 16 }\n", "rag.extraction.memory_mb", "16 }", "from 128 to 65536"),
        new("hybrid weight out of range", "lexical: 1.0", "lexical: 11", "rag.hybrid.lexical", "11", "from 0 to 10"),
        new("digest for a group the collection excludes", "system:\n  filevault: required", "jobs:\n  digests: { enabled: true, collections: [handbook], recipients: [hr] }\nsystem:\n  filevault: required",
            "jobs.digests.collections[0]", "handbook], recipients", "may not be read by recipient group 'hr'"),
        new("digest of an unknown collection", "system:\n  filevault: required", "jobs:\n  digests: { enabled: true, collections: [clients], recipients: [staff] }\nsystem:\n  filevault: required",
            "jobs.digests.collections[0]", "clients]", "is not defined"),
        new("digest without recipients", "system:\n  filevault: required", "jobs:\n  digests: { enabled: true, collections: [handbook] }\nsystem:\n  filevault: required",
            "jobs.digests.recipients", "", "at least one group"),
        new("job quiet hours empty", "system:\n  filevault: required", "jobs: { quiet_hours: { start: \"22:00\", end: \"22:00\" } }\nsystem:\n  filevault: required",
            "jobs.quiet_hours.end", "\"22:00\" } }", "start and end differ"),
        new("sync quiet hours empty", "  hybrid: { lexical: 1.0, vector: 1.0 }\n", "  hybrid: { lexical: 1.0, vector: 1.0 }\n  sync: { quiet_hours: { start: \"20:00\", end: \"20:00\" } }\n", "rag.sync.quiet_hours.end", "\"20:00\" } }", "start and end differ"),
        new("sync settle time out of range", "  hybrid: { lexical: 1.0, vector: 1.0 }\n", "  hybrid: { lexical: 1.0, vector: 1.0 }\n  sync: { settle_seconds: 0 }\n", "rag.sync.settle_seconds", "0 }\n  collections", "from 1 to 600"),
        new("duplicate collection id", "id: hr\n      title: Personnel", "id: handbook\n      title: Personnel", "rag.collections[1].id", "handbook\n      title: Personnel", "already used by rag.collections[0]"),
        new("collection id not an identifier", "id: handbook", "id: Hand Book", "rag.collections[0].id", "Hand Book", "lower-case"),
        new("collection group not defined", "groups: [staff]\n    - id: hr", "groups: [staf]\n    - id: hr", "rag.collections[0].groups[0]", "staf]", "not defined"),
        new("collections not a list", "  collections:\n    - id: handbook\n      title: Handbook\n      groups: [staff]\n    - id: hr\n      title: Personnel\n      groups: [hr]\n", "  collections: all\n", "rag.collections", "all\n", "a list"),
        new("collection language unknown", "      title: Personnel\n", "      title: Personnel\n      language: german\n", "rag.collections[1].language", "german", "one of auto, de, fr, it, en"),
        new("collection without groups", "      title: Handbook\n      groups: [staff]\n", "      title: Handbook\n", "rag.collections[0].groups", "id: handbook", "is missing"),
        new("user group not defined", "      groups: [staff]\nprivacy", "      groups: [sales]\nprivacy", "auth.users[1].groups[0]", "sales]", "not defined"),
        new("unknown role", "roles: [admin, employee]", "roles: [admin, boss]", "auth.users[0].roles[1]", "boss]", "employee, admin, dpo"),
        new("no admin at all", "roles: [admin, employee]", "roles: [employee]", "auth.users", "- name: boss", "admin role"),
        new("duplicate user", "- name: clerk", "- name: boss", "auth.users[1].name", "boss\n      groups: [staff]\nprivacy", "already used"),
        new("ldap url not ldap", "auth:\n", "auth:\n  ldap:\n    url: https://dc.test.lan\n    user_dn_template: \"uid={user}\"\n    base_dn: dc=test\n", "auth.ldap.url", "https://dc.test.lan", "ldap://"),
        new("ldap mapping to undefined group", "auth:\n", "auth:\n  ldap:\n    url: ldaps://dc.test.lan\n    user_dn_template: \"uid={user}\"\n    base_dn: dc=test\n    group_mapping: { cn=sales: sales }\n", "auth.ldap.group_mapping.cn=sales", "sales }", "not defined"),
        new("query log mode unknown", "query_log: hashed", "query_log: verbose", "privacy.query_log", "verbose", "full, hashed, off"),
        new("report language unknown", "query_log: hashed", "query_log: hashed\n  report_language: fr", "privacy.report_language", "fr", "en, de"),
        new("retention negative", "retention_days: 90", "retention_days: -1", "privacy.retention_days", "-1", "from 1 to 3650"),
        new("filevault expectation unknown", "filevault: required", "filevault: maybe", "system.filevault", "maybe", "required, off, any"),
        new("tls certificate file missing", "    enabled: true\n", "    enabled: true\n    certificate: /nonexistent/cert.pem\n    key: /nonexistent/key.pem\n", "network.tls.certificate", "/nonexistent/cert.pem", "does not exist"),
        new("backup destination without public key", "system:\n", "backup: { destination: /Volumes/Backup }\nsystem:\n", "backup.public_key", "{ destination: /Volumes", "is missing while backup.destination is set"),
        new("backup public key malformed", "system:\n", "backup: { destination: /Volumes/Backup, public_key: x25519:abc }\nsystem:\n", "backup.public_key", "x25519:abc", "base64 of 32 bytes"),
        new("backup destination relative", "system:\n", "backup: { destination: Backup, public_key: \"x25519:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\" }\nsystem:\n", "backup.destination", "Backup,", "not an absolute path"),
        new("backup daily retention zero", "system:\n", "backup: { retention: { daily: 0 } }\nsystem:\n", "backup.retention.daily", "0 } }", "from 1 to 366"),
        new("text field given a list", "name: Test office", "name: [Test, office]", "appliance.name", "[Test, office]", "expected text"),
        new("section given a scalar", "system:\n  filevault: required", "system: strict", "system", "strict", "a mapping"),
        new("YAML syntax error", "chip: m4-max", "chip: [m4-max", "", "", "YAML syntax"),
        new("YAML anchor refused", "memory_gb: 128", "memory_gb: &m 128", "", "&m 128", "anchor &m is not supported"),
        new("nesting far too deep", "threads: auto", "threads: " + new string('[', 40) + new string(']', 40), "", new string('[', 10) + new string(']', 40), "nests deeper than 32"),
    ];

    public static IEnumerable<object[]> All => Cases.Select(c => new object[] { c });

    [Fact]
    public void The_valid_config_is_valid()
    {
        var result = ValidConfig.Load(ValidConfig.Text);
        Assert.Empty(result.Errors);
        Assert.True(result.IsValid);
    }

    [Fact]
    public void The_table_has_at_least_thirty_cases() => Assert.True(Cases.Length >= 30);

    [Theory]
    [MemberData(nameof(All))]
    public void A_broken_config_names_the_field_and_its_position(Case broken)
    {
        Assert.Contains(broken.Find, ValidConfig.Text);
        var text = ValidConfig.Text.Replace(broken.Find, broken.Replace);
        var result = ValidConfig.Load(text);

        Assert.False(result.IsValid);
        var error = Assert.Single(result.Errors, e => e.Path == broken.Path);
        Assert.Contains(broken.Says, error.Message);
        Assert.StartsWith($"appliance.yaml:{error.Line}:{error.Column}: ", error.ToString());
        if (broken.At.Length > 0)
        {
            var (line, column) = PositionOf(text, broken.At);
            Assert.Equal((line, column), (error.Line, error.Column));
        }
    }

    [Fact]
    public void All_errors_are_reported_at_once()
    {
        var text = ValidConfig.Text
            .Replace("memory_gb: 128", "memory_gb: lots")
            .Replace("agent_port: 8443", "agent_port: 0")
            .Replace("groups: [staff]\n    - id: hr", "groups: [nobody]\n    - id: hr")
            .Replace("query_log: hashed", "query_log: loud");
        var result = ValidConfig.Load(text);
        Assert.Equal(
            ["machine.memory_gb", "network.agent_port", "privacy.query_log", "rag.collections[0].groups[0]"],
            result.Errors.Select(e => e.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Errors_are_in_file_order()
    {
        var text = ValidConfig.Text.Replace("query_log: hashed", "query_log: loud").Replace("memory_gb: 128", "memory_gb: lots");
        var lines = ValidConfig.Load(text).Errors.Select(e => e.Line).ToArray();
        Assert.Equal(lines.Order().ToArray(), lines);
    }

    private static (int Line, int Column) PositionOf(string text, string marker)
    {
        var at = text.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, $"marker '{marker}' not in the broken text");
        var line = 1 + text[..at].Count(c => c == '\n');
        var lineStart = at == 0 ? 0 : text.LastIndexOf('\n', at - 1) + 1;
        var column = at - lineStart + 1;
        return (line, column);
    }
}
