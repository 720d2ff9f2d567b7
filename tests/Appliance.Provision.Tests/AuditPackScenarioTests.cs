using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Appliance.Audit.Evidence;
using Appliance.Audit.Pack;
using Appliance.Audit.Render;
using Appliance.Provision.Apply;
using Appliance.Provision.AuditPack;
using Appliance.Provision.Desired;

namespace Appliance.Provision.Tests;

/// <summary>An audit pack built from a sandbox-provisioned box carries that box's live state.</summary>
public sealed class AuditPackScenarioTests
{
    [Fact]
    public async Task A_pack_from_a_provisioned_sandbox_holds_its_live_controls_firewall_and_journal_and_verifies()
    {
        using var box = new TestBox("audit");
        await using var session = await box.OpenAsync();
        var applied = await session.ApplyAsync(await session.PlanAsync(CancellationToken.None), null, CancellationToken.None);
        Assert.True(applied.Succeeded, applied.Journal.Error);

        var (key, created) = await AuditKeyOnBox.LoadOrCreateAsync(session.Target, CancellationToken.None);
        Assert.True(created);
        Assert.Equal(key.Public.Fingerprint, (await AuditKeyOnBox.LoadOrCreateAsync(session.Target, CancellationToken.None)).Key.Public.Fingerprint);
        Assert.Equal("root:wheel 600", (await box.MacAsync("stat", "-f", "%Su:%Sg %Lp", AuditKeyOnBox.KeyFile)).StandardOutput.Trim());
        var journal = await Journal.ReadAsync(session.Target, CancellationToken.None);
        Assert.Contains(journal, j => j.Action == "audit-key" && j.Outcome == ApplyResult.Applied && j.Note!.Contains(key.Public.Fingerprint));

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var inputs = await AuditInputsCollector.CollectAsync(session, new AuditPeriod(today.AddDays(-1), today), DateTimeOffset.UtcNow, CancellationToken.None);
        var zip = Path.Combine(box.Folder, "pack.zip");
        var evidence = new AuditPackWriter(HtmlReport.FromShippedTemplates(), new PdfReport()).Write(inputs, key, zip);

        // Live data, not prose: every control verify knows, the rules pf really holds, this apply's steps.
        var verify = await session.VerifyAsync(CancellationToken.None);
        Assert.Equal(verify.Results.Count, evidence.Controls.Results.Count);
        Assert.Equal(0, evidence.Controls.Failed);
        Assert.True(evidence.Network.PfEnabled);
        Assert.True(evidence.Network.EgressOutsideLanBlocked);
        Assert.Contains(evidence.Network.Matrix, f => f.Direction == "ingress" && f.Port == 8443 && f.Pass && f.Rule.Contains("192.168.10.0/24"));
        Assert.Equal(EvidenceAssembler.Sha256Hex(File.ReadAllText(box.HostPath("/etc/pf.anchors/com.appliance"))), evidence.Network.AnchorSha256);
        // The journal is summarised per run; its steps are in raw/journal.jsonl.
        var apply = Assert.Single(evidence.Controls.Journal, j => j.Action == "apply");
        Assert.True(apply.Steps > 10 && apply.Changed.Count > 0 && apply.Failures.Count == 0, string.Join(", ", apply.Changed));
        Assert.True(evidence.Pack.Simulated);
        Assert.Contains(evidence.Limitations, l => l.StartsWith("SIMULATED"));
        Assert.Equal("macOS " + (await box.MacAsync("sw_vers", "-productVersion")).StandardOutput.Trim(), evidence.System.Facts.MacOsVersion);
        Assert.All(evidence.Measures.Where(m => m.EvidenceControls.Count > 0), m => Assert.Equal("verified", m.Status));

        // Without agent evidence the pack says so instead of inventing usage.
        Assert.Equal(0, evidence.Usage.TotalQueries);
        Assert.Contains("no agent evidence", evidence.Usage.QueryLogChain.Detail);

        var result = AuditPackVerifier.Verify(zip, key.Public);
        Assert.True(result.Ok, string.Join("\n", result.Failures));
        using var archive = ZipFile.OpenRead(zip);
        using (var steps = new StreamReader(archive.GetEntry("raw/journal.jsonl")!.Open(), Encoding.UTF8))
            Assert.Contains("launchctl bootstrap system", steps.ReadToEnd());
        using var reader = new StreamReader(archive.GetEntry("raw/pf-anchor.conf")!.Open(), Encoding.UTF8);
        Assert.Equal(File.ReadAllText(box.HostPath("/etc/pf.anchors/com.appliance")), reader.ReadToEnd());

        // The same box in German (what `audit pack --language de` writes), times in the box's zone.
        var german = Path.Combine(box.Folder, "pack-de.zip");
        var de = await SignedPack.WriteAsync(session, new AuditPeriod(today.AddDays(-1), today), DateTimeOffset.UtcNow, german, verify, CancellationToken.None,
            Appliance.Config.ReportLanguage.De);
        Assert.Equal(("de", Appliance.Audit.Text.PackText.For(Appliance.Config.ReportLanguage.De, TimeZoneInfo.Local).ZoneName), (de.Evidence.Pack.Language, de.Evidence.Pack.TimeZone));
        Assert.Contains(de.Evidence.Limitations, l => l.StartsWith("SIMULIERT", StringComparison.Ordinal));
        Assert.True(AuditPackVerifier.Verify(german, key.Public).Ok);

        await Agent_evidence_found_in_the_data_folder_is_used_and_its_chain_checked(box, session);
        await Packs_are_shelved_where_the_agent_reads_them_and_only_the_newest_kept(box, session, zip);
    }

    private static async Task Packs_are_shelved_where_the_agent_reads_them_and_only_the_newest_kept(TestBox box, ProvisioningSession session, string zip)
    {
        var layout = Layout.From(session.Config);
        var names = new[] { 1, 2, 3 }.Select(day => PackShelf.FileName("ai-box.berger.lan", new DateTimeOffset(2026, 11, day, 2, 30, 0, TimeSpan.Zero))).ToList();
        ShelvedPack last = null!;
        foreach (var name in names)
        {
            var copy = Path.Combine(box.Folder, name);
            File.Copy(zip, copy);
            last = await PackShelfOnBox.ShelveAsync(session.Target, layout, copy, CancellationToken.None, keep: 2);
        }
        Assert.Equal([names[0]], last.Removed);
        Assert.False(File.Exists(box.HostPath(layout.PackShelf + "/" + names[0])));
        Assert.Equal(File.ReadAllBytes(zip), File.ReadAllBytes(box.HostPath(last.Path)));
        Assert.Equal("root:_appliance 640", (await box.MacAsync("stat", "-f", "%Su:%Sg %Lp", last.Path)).StandardOutput.Trim());
        Assert.Equal("root:_appliance 750", (await box.MacAsync("stat", "-f", "%Su:%Sg %Lp", layout.PackShelf)).StandardOutput.Trim());
        Assert.Equal(names[1..], JsonSerializer.Deserialize<string[]>(File.ReadAllText(box.HostPath(layout.PackShelf + "/" + PackShelfOnBox.IndexName))));
    }

    private static async Task Agent_evidence_found_in_the_data_folder_is_used_and_its_chain_checked(TestBox box, ProvisioningSession session)
    {
        var now = DateTimeOffset.UtcNow;
        var previous = new string('0', 64);
        var chain = new List<ChainEntry>();
        for (var i = 1; i <= 3; i++)
        {
            var payload = JsonSerializer.Serialize(new object?[] { i, now.AddMinutes(-i).ToString("O"), "query", "tkoch", "/api/ask", "hashed", "hmac", new[] { "d1" }, 10, 5, 100, 200, null, null, previous });
            var hash = QueryLogChain.HashOf(payload);
            chain.Add(new ChainEntry(i, previous, hash, payload));
            previous = hash;
        }
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var agent = new AgentEvidence(AgentEvidence.SchemaName, now, $"{today.AddDays(-30):yyyy-MM-dd}..{today:yyyy-MM-dd}", "hashed",
            new UsageFacts([new UsageCount(today, "handbook", "employee", 3)], [new DailyCount(today, QueryOutcomes.Answered, 3)],
                [new DailyCount(today, SignInOutcomes.SignedIn, 4), new DailyCount(today, SignInOutcomes.UnknownUser, 1)],
                [new DenialCount(today, "/api/audit/log", "403 role", 1)], QueryLogChain.Verify(chain), []),
            [new ErasureFact(now, "mberger", "handbook/old.md", new string('a', 64), "handbook", 2)], chain);
        var dataFolder = box.HostPath("/Library/Application Support/Appliance/data.noindex");
        Directory.CreateDirectory(Path.Combine(dataFolder, "audit"));
        File.WriteAllText(Path.Combine(dataFolder, AgentEvidence.RelativePath), agent.ToJson());

        var inputs = await AuditInputsCollector.CollectAsync(session, new AuditPeriod(today.AddDays(-1), today), now, CancellationToken.None);
        Assert.Equal(3, inputs.QueryLogExcerpt.Count);
        Assert.Single(inputs.Erasures);
        Assert.True(inputs.Usage.QueryLogChain.Intact);
        Assert.Equal(now, inputs.AgentEvidenceExportedAt);
    }

}
