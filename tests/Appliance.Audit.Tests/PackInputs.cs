using Appliance.Audit.Evidence;
using Appliance.Audit.Pack;
using Appliance.Config;

namespace Appliance.Audit.Tests;

/// <summary>Inputs shaped like a provisioned box's read-back, over the repository's example config.</summary>
internal static class PackInputs
{
    public static readonly DateTimeOffset Created = new(2026, 11, 20, 18, 30, 0, TimeSpan.Zero);

    public static string Root { get; } = FindRoot();

    public static AuditInputs Example(QueryLogMode mode = QueryLogMode.Hashed)
    {
        var config = ConfigLoader.Load(Path.Combine(Root, "appliance.yaml")).Require() is var c
            ? c with { Privacy = c.Privacy with { QueryLog = mode } } : null!;
        var chain = new List<ChainEntry>();
        var previous = new string('0', 64);
        for (var i = 1; i <= 5; i++)
        {
            var payload = $$"""[{{i}},"2026-11-18T09:0{{i}}:00Z","query","tkoch","/api/ask","hashed","{{QueryLogChain.HashOf($"q{i}")}}",["handbook/leave.md"],120,40,850,200,null,null,"{{previous}}"]""";
            var hash = QueryLogChain.HashOf(payload);
            chain.Add(new ChainEntry(i, previous, hash, payload));
            previous = hash;
        }
        return new AuditInputs
        {
            Config = config,
            System = new SystemFacts("Mac Studio (Mac15,14) M3 Ultra, 256 GB", "macOS 15.3 (24D60)", "0.1.0", "FileVault is On.", "System Integrity Protection status: enabled.", Simulated: true),
            Models =
            [
                new("chat", config.Models.Chat.Name, config.Models.Chat.File, config.Models.Chat.Sha256.Hex, config.Models.Chat.Source?.ToString(), config.Models.Chat.License, 18_556_686_336, false),
                new("embedding", config.Models.Embedding.Name, config.Models.Embedding.File, config.Models.Embedding.Sha256.Hex, config.Models.Embedding.Source?.ToString(), config.Models.Embedding.License, 635_000_000, false),
            ],
            Network = new NetworkFacts(
                "set skip on lo0\nblock drop quick inet6 all\npass out quick proto udp to 192.168.10.1 port 53\nblock drop quick all\n", true,
                [
                    new("ingress", "192.168.10.23", "appliance", "tcp", 8443, true, "pass in quick proto tcp from 192.168.10.0/24 to any port 8443"),
                    new("ingress", "10.9.9.9", "appliance", "tcp", 8443, false, "block drop quick all"),
                    new("egress", "appliance", "192.168.10.1", "udp", 53, true, "pass out quick proto udp to 192.168.10.1 port 53"),
                    new("egress", "appliance", "17.253.144.10", "tcp", 443, false, "block drop quick all"),
                    new("egress", "appliance", "8.8.8.8", "udp", 53, false, "block drop quick all"),
                ]),
            Controls =
            [
                new("pf.enabled", "pf is enabled", "Status: Enabled", "Status: Enabled", true, Created) { ReadBack = "/sbin/pfctl -s info", Measures = ["TOM-1"] },
                new("pf.anchor", "appliance anchor loaded", "sha256 match", "sha256 match", true, Created) { ReadBack = "/sbin/pfctl -a com.appliance -sr", Measures = ["TOM-1"] },
                new("filevault", "FileVault on", "On", "On", true, Created) { ReadBack = "/usr/bin/fdesetup status", Measures = ["TOM-2"] },
                new("power.sleep", "never sleeps", "sleep 0", "sleep 10", false, Created) { ReadBack = "/usr/bin/pmset -g custom", Measures = ["TOM-9"] },
            ],
            Journal =
            [
                new(Created.AddDays(-3), "itadmin", "admin-laptop", 1, "apply", "applied generation 1", null,
                [
                    new("pf anchor", "write /etc/pf.anchors/com.appliance", true, "written"),
                    new("agent service", "launchctl bootstrap system /Library/LaunchDaemons/com.appliance.agent.plist", true, "bootstrapped"),
                ]),
                new(Created.AddDays(-2), "itadmin", "admin-laptop", 1, "apply", "failed", "a step failed",
                [
                    new("power", "pmset -a sleep 0", false, "pmset: permission denied"),
                ]),
                new(Created.AddDays(-40), "itadmin", "admin-laptop", 0, "apply", "outside the period", null, []),
            ],
            Backup = new BackupFacts("/Volumes/Backup",
                new BackupRecord(BackupRecordKind.Backup, Created.AddHours(-16), "/Volumes/Backup", "20261120-023000", 1_572_864_000, "412 files"),
                null, null),
            Usage = new UsageFacts(
                [new(new DateOnly(2026, 11, 18), "handbook", "employee", 14), new(new DateOnly(2026, 11, 19), "clients", "employee", 6)],
                [new(new DateOnly(2026, 11, 18), QueryOutcomes.Answered, 13), new(new DateOnly(2026, 11, 18), QueryOutcomes.Busy, 1),
                 new(new DateOnly(2026, 11, 19), QueryOutcomes.Answered, 6)],
                [new(new DateOnly(2026, 11, 18), SignInOutcomes.SignedIn, 9), new(new DateOnly(2026, 11, 18), SignInOutcomes.WrongPassword, 1),
                 new(new DateOnly(2026, 10, 2), SignInOutcomes.WrongPassword, 5)],
                [new(new DateOnly(2026, 11, 19), "/api/audit/log", "403 role", 2)],
                QueryLogChain.Verify(chain),
                [new RetentionPurge(Created.AddDays(-1), "query log", 31, Created.AddDays(-91))]),
            AgentEvidenceExportedAt = Created.AddHours(-3),
            Erasures =
            [
                new(Created.AddDays(-2), "mberger", "5e0c2a91d4f7b3a86c12", new string('e', 64), "clients", 12, "/Users/Shared/Kanzlei/Mandate/2019-smith.docx"),
                new(Created.AddDays(-1), "sweiss", "a17f03be95d2c4480e6b", new string('f', 64), "hr", 4, "/Users/Shared/Kanzlei/Personal/2020-review-koch.pdf"),
            ],
            QueryLogExcerpt = chain,
            Period = new AuditPeriod(new DateOnly(2026, 11, 1), new DateOnly(2026, 11, 20)),
            CreatedAt = Created,
        };
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "appliance.yaml")) && Directory.Exists(Path.Combine(dir.FullName, "audit")))
                return dir.FullName;
        throw new InvalidOperationException("repository root not found");
    }
}
