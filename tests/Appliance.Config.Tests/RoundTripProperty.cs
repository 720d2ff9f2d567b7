using System.Net;
using FsCheck;
using FsCheck.Fluent;

namespace Appliance.Config.Tests;

/// <summary>Any valid config, written back as YAML, loads to the same config.</summary>
public sealed class RoundTripProperty
{
    // Text people really type, plus what trips YAML writers: quotes, colons, '#', look-alike numbers and booleans.
    private static readonly string[] Texts =
    [
        "Berger & Partner", "Zürich — Büro 2", "it@office.example", "a: b", "# not a comment", "'quoted'", "\"double\"",
        "yes", "null", "~", "0123", "1e3", "  leading space", "trailing space ", "line\nbreak", "tab\there", "emoji 🙂", "[brackets]", "{braces}", "- dash",
    ];

    private static readonly string[] Ids = ["staff", "hr", "lawyers", "it-ops", "board_room", "a1"];

    private static Gen<string> Text => Gen.Elements(Texts);

    private static Gen<IPNetwork> Subnet =>
        from a in Gen.Choose(1, 223)
        from b in Gen.Choose(0, 255)
        from prefix in Gen.Elements(8, 16, 24, 32)
        select IPNetwork.Parse($"{a}.{(prefix >= 16 ? b : 0)}.0.0/{prefix}" is var s && prefix == 32 ? $"{a}.{b}.0.0/32" : s);

    private static Gen<IPAddress> Address =>
        from a in Gen.Choose(1, 223)
        from d in Gen.Choose(1, 254)
        select IPAddress.Parse($"{a}.0.0.{d}");

    private static Gen<ModelSpec> Model(string name) =>
        from file in Gen.Elements("model.gguf", "sub/dir/model Q4.gguf", "/abs/path/m.gguf")
        from hex in Gen.Choose(0, int.MaxValue)
        from context in Gen.Choose(256, 131072)
        from parallel in Gen.Choose(1, 64)
        from license in Gen.Elements<string?>(null, "apache-2.0", "mit")
        select new ModelSpec
        {
            Name = name, File = file, Sha256 = Sha256.Parse(hex.ToString("x8").PadLeft(64, 'c')),
            Source = new Uri($"https://models.example/{name}.gguf"), License = license,
            ContextLength = context, Parallel = parallel,
        };

    private static Gen<ApplianceConfig> Configs =>
        from name in Text
        from contact in Text
        from chip in Gen.Elements(Enum.GetValues<Chip>())
        from memory in Gen.Choose(8, 1024)
        from subnets in Gen.NonEmptyListOf(Subnet)
        from admins in Gen.ListOf(Subnet)
        from dns in Gen.NonEmptyListOf(Address)
        from port in Gen.Choose(1, 65535)
        from window in Gen.Elements<UpdateWindow?>(null, new UpdateWindow { Day = Weekday.Sunday, Start = new TimeOnly(3, 0), DurationMinutes = 90 })
        from chat in Model("chat")
        from embedding in Model("embed")
        from backend in Gen.Elements(InferenceBackend.Llama, InferenceBackend.OpenAi)
        from threads in Gen.Elements(AutoOrNumber.Auto, AutoOrNumber.Of(2), AutoOrNumber.Of(24))
        from chunk in Gen.Choose(64, 2048)
        from overlap in Gen.Choose(0, 63)
        from lexical in Gen.Choose(0, 100)
        from groupIds in Gen.SubListOf(Ids).Where(g => g.Count > 0)
        from collectionCount in Gen.Choose(0, 3)
        from mode in Gen.Elements(Enum.GetValues<QueryLogMode>())
        from retention in Gen.Choose(1, 3650)
        from basis in Text
        from filevault in Gen.Elements(Enum.GetValues<FileVaultExpectation>())
        from ipv6 in Gen.Elements(true, false)
        select new ApplianceConfig
        {
            Appliance = new ApplianceIdentity { Name = name, Hostname = "box.office.lan", AdminContact = contact },
            Machine = new MachineSpec { Chip = chip, MemoryGb = memory },
            Network = new NetworkPolicy
            {
                OfficeSubnets = [.. subnets], AdminHosts = [.. admins], DnsServers = [.. dns], NtpServers = [dns[0]],
                AgentPort = port, UpdateWindow = window, Ipv6 = ipv6,
            },
            Models = new ModelSet { Chat = chat, Embedding = embedding },
            Inference = new InferenceSettings
            {
                Backend = backend, Threads = threads,
                Upstreams = backend == InferenceBackend.OpenAi ? [new Uri("http://10.0.0.9:8080/v1")] : [],
            },
            Rag = new RagSettings
            {
                ChunkTokens = chunk, ChunkOverlapTokens = overlap,
                Hybrid = new HybridWeights { Lexical = lexical / 10.0, Vector = 0.5 },
                Collections = [.. Enumerable.Range(0, collectionCount).Select(i => new Collection
                {
                    Id = $"c{i}", Title = name, Sources = [$"/srv/docs/{i}"], Groups = [groupIds[i % groupIds.Count]],
                    Uploads = i % 2 == 0, DataCategories = i == 1 ? [contact] : [],
                })],
            },
            Auth = new AuthSettings
            {
                Groups = [.. groupIds.Select(g => new GroupSpec { Id = g, Title = g == "hr" ? name : null })],
                Users = [new UserSpec { Name = "admin", Roles = [Role.Admin, Role.Dpo], Groups = [.. groupIds] }],
            },
            Privacy = new PrivacySettings
            {
                Controller = new Party { Name = name, Contact = contact, Address = basis },
                Dpo = new Party { Name = contact, Contact = name },
                QueryLog = mode, RetentionDays = retention, LegalBasis = basis,
            },
            System = new SystemSettings { Filevault = filevault },
        };

    [Fact]
    public void A_valid_config_written_back_loads_equal()
    {
        var property = Prop.ForAll(Arb.From(Configs), config =>
        {
            var yaml = ConfigWriter.Write(config);
            var loaded = ValidConfig.Load(yaml);
            if (!loaded.IsValid)
                throw new Xunit.Sdk.XunitException("written config did not load:\n" + string.Join('\n', loaded.Errors) + "\n---\n" + yaml);
            return ConfigWriter.Write(loaded.Config!) == yaml
                && loaded.Config!.Appliance.Name == config.Appliance.Name
                && loaded.Config.Network.OfficeSubnets.SequenceEqual(config.Network.OfficeSubnets)
                && loaded.Config.Models.Chat.Sha256 == config.Models.Chat.Sha256
                && loaded.Config.Rag.Hybrid.Lexical.Equals(config.Rag.Hybrid.Lexical);
        });
        Check.One(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(200), property);
    }
}
