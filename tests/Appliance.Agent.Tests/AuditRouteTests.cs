using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Appliance.Audit.Evidence;
using Appliance.Audit.Pack;

namespace Appliance.Agent.Tests;

/// <summary>/api/audit/evidence and /api/audit/packs through Kestrel: DPO only, JSON refusals, nothing but shelved packs served.</summary>
[Collection("agent")]
public sealed class AuditRouteTests(AgentFixture fixture) : IDisposable
{
    private readonly RunningAgent _agent = fixture.Agent;

    private string Shelf => Path.Combine(fixture.Office.DataFolder, PackShelf.RelativeFolder);

    [Fact]
    public async Task Packs_are_for_the_DPO_only_and_while_none_exists_the_answer_says_when_and_how_to_get_one()
    {
        foreach (var path in new[] { "/api/audit/packs", "/api/audit/packs/audit-pack-x-20260101-000000.zip", "/api/audit/evidence" })
        {
            using var anonymous = await _agent.Anonymous().GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);
            using var admin = await _agent.As("anna").GetAsync(path);
            Assert.Equal(HttpStatusCode.Forbidden, admin.StatusCode);
            Assert.Equal("forbidden", (await admin.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        }

        using var dora = _agent.As("dora");
        using var none = await dora.GetAsync("/api/audit/packs");
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        var advice = await none.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("no audit pack yet", advice.GetProperty("title").GetString());
        Assert.Equal("02:30", advice.GetProperty("nightly_at").GetString());
        Assert.Contains("provision\" nightly --target local --config", advice.GetProperty("build_now").GetString());
        Assert.Contains("sudo", advice.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_shelved_pack_is_listed_with_its_digest_and_signature_and_downloads_byte_for_byte()
    {
        var created = new DateTimeOffset(2026, 11, 20, 2, 30, 0, TimeSpan.Zero);
        var name = PackShelf.FileName("ai-box.test.lan", created);
        var key = TestPacks.WriteSigned(fixture.Office.Config, Path.Combine(Shelf, name), created);
        var older = PackShelf.FileName("ai-box.test.lan", created.AddDays(-1));
        File.Copy(Path.Combine(Shelf, name), Path.Combine(Shelf, older));
        using (var zip = ZipFile.Open(Path.Combine(Shelf, older), ZipArchiveMode.Update))
        {
            zip.GetEntry("raw/controls.json")!.Delete();
            using var writer = new StreamWriter(zip.CreateEntry("raw/controls.json").Open());
            writer.Write("[]");
        }

        using var dora = _agent.As("dora");
        var packs = (await dora.GetFromJsonAsync<JsonElement>("/api/audit/packs")).EnumerateArray().ToList();
        Assert.Equal([name, older], packs.Select(p => p.GetProperty("name").GetString()));
        var latest = packs[0];
        Assert.True(latest.GetProperty("verified").GetBoolean());
        Assert.Equal(key.Fingerprint, latest.GetProperty("key_fingerprint").GetString());
        Assert.Equal(created, latest.GetProperty("created_at").GetDateTimeOffset());
        var bytes = File.ReadAllBytes(Path.Combine(Shelf, name));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), latest.GetProperty("sha256").GetString());
        Assert.Equal(bytes.Length, latest.GetProperty("bytes").GetInt64());
        // The tampered copy is listed for what it is.
        Assert.False(packs[1].GetProperty("verified").GetBoolean());
        Assert.Contains(packs[1].GetProperty("problems").EnumerateArray(), p => p.GetString()!.StartsWith("raw/controls.json: SHA-256 is"));

        using var download = await dora.GetAsync("/api/audit/packs/" + name);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/zip", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal(name, download.Content.Headers.ContentDisposition?.FileNameStar ?? download.Content.Headers.ContentDisposition?.FileName);
        Assert.Equal(bytes, await download.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Nothing_but_a_pack_on_the_shelf_can_be_fetched_whatever_the_name_says()
    {
        TestPacks.WriteSigned(fixture.Office.Config, Path.Combine(Shelf, PackShelf.FileName("ai-box.test.lan", DateTimeOffset.UtcNow)), DateTimeOffset.UtcNow);
        File.WriteAllText(Path.Combine(Shelf, "shelf.json"), "[]");
        File.Copy(Path.Combine(fixture.Office.DataFolder, "agent.db"), Path.Combine(Shelf, "..", "outside.zip"), overwrite: true);
        File.CreateSymbolicLink(Path.Combine(Shelf, "linked.zip"), Path.Combine(fixture.Office.DataFolder, "agent.db"));

        using var dora = _agent.As("dora");
        foreach (var name in new[] { "..%2Foutside.zip", "%2E%2E%2F%2E%2E%2Fagent.db", "..%2F..%2Fappliance.yaml", "shelf.json", "agent.db", "linked.zip",
                     "..%5Coutside.zip", "%2Fetc%2Fpasswd", ".zip", "audit-pack-none-20260101-000000.zip" })
        {
            using var response = await dora.GetAsync("/api/audit/packs/" + name);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{name} → {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        var listed = (await dora.GetFromJsonAsync<JsonElement>("/api/audit/packs")).EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.DoesNotContain("linked.zip", listed);
        Assert.Single(listed);
    }

    [Fact]
    public async Task The_live_evidence_is_the_agents_export_and_a_custom_period_does_not_replace_the_nightly_file()
    {
        using var dora = _agent.As("dora");
        var text = await dora.GetStringAsync("/api/audit/evidence");
        var evidence = AgentEvidence.Parse(text);
        Assert.Equal(AgentEvidence.SchemaName, evidence.Schema);
        Assert.Equal("full", evidence.QueryLogMode);
        var file = Path.Combine(fixture.Office.DataFolder, AgentEvidence.RelativePath);
        Assert.Equal(evidence.ExportedAt, AgentEvidence.Parse(File.ReadAllText(file)).ExportedAt);
        Assert.Equal(30, AuditPeriod.Parse(evidence.Period).To.DayNumber - AuditPeriod.Parse(evidence.Period).From.DayNumber);

        var custom = AgentEvidence.Parse(await dora.GetStringAsync("/api/audit/evidence?period=2026-01-01..2026-01-02"));
        Assert.Equal("2026-01-01..2026-01-02", custom.Period);
        Assert.Empty(custom.QueryLog);
        Assert.Equal(evidence.Period, AgentEvidence.Parse(File.ReadAllText(file)).Period);

        using var bad = await dora.GetAsync("/api/audit/evidence?period=yesterday");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("yyyy-MM-dd", (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    public void Dispose()
    {
        if (Directory.Exists(Shelf)) Directory.Delete(Shelf, recursive: true);
        File.Delete(Path.Combine(Shelf, "..", "outside.zip"));
    }
}
