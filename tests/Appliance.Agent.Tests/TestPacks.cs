using Appliance.Audit.Evidence;
using Appliance.Audit.Pack;
using Appliance.Audit.Render;
using Appliance.Audit.Signing;
using Appliance.Config;

namespace Appliance.Agent.Tests;

/// <summary>A real signed audit pack (the audit library's writer and a fresh key), to put on an agent's shelf.</summary>
public static class TestPacks
{
    public static AuditPublicKey WriteSigned(ApplianceConfig config, string zipPath, DateTimeOffset createdAt)
    {
        var key = AuditKey.Create();
        var today = DateOnly.FromDateTime(createdAt.UtcDateTime);
        var inputs = new AuditInputs
        {
            Config = config,
            System = new SystemFacts("Mac Studio (as configured)", "macOS 15.3", "0.1.0", "FileVault is On.", "enabled", Simulated: true),
            Models = [],
            Network = new NetworkFacts("block drop quick all\n", true, []),
            Controls = [new ControlResult("pf.enabled", "pf is enabled", "enabled", "enabled", true, createdAt)],
            Usage = new UsageFacts([], [], [], [], new ChainCheck(true, 0, null, "no entries in the period"), []),
            Period = new AuditPeriod(today.AddDays(-30), today),
            CreatedAt = createdAt,
        };
        Directory.CreateDirectory(Path.GetDirectoryName(zipPath)!);
        new AuditPackWriter(HtmlReport.FromShippedTemplates(), new PdfReport()).Write(inputs, key, zipPath);
        return key.Public;
    }
}
