using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Appliance.Audit.Pack;
using Appliance.Audit.Render;
using Appliance.Audit.Signing;
using Appliance.Config;
using Appliance.Exec;

namespace Appliance.Audit.Tests;

/// <summary>A signed pack verifies; any tampering is caught and named; the same inputs give the same bytes.</summary>
public sealed class AuditPackTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("audit-pack").FullName;
    private readonly AuditKey _key = AuditKey.FromSeed(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private readonly AuditPackWriter _writer = new(HtmlReport.FromShippedTemplates(), new PdfReport());

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Build(string name = "pack.zip", QueryLogMode mode = QueryLogMode.Hashed)
    {
        var path = Path.Combine(_dir, name);
        _writer.Write(PackInputs.Example(mode), _key, path);
        return path;
    }

    [Fact]
    public void A_fresh_pack_verifies_with_the_trusted_key()
    {
        var result = AuditPackVerifier.Verify(Build(), _key.Public);
        Assert.True(result.Ok, string.Join("\n", result.Failures));
        Assert.Contains(result.Findings, f => f.Subject == "manifest.sig" && f.Ok);
        Assert.Contains(result.Findings, f => f.Subject.StartsWith("raw/query-log-excerpt.jsonl") && f.Ok);
    }

    [Fact]
    public void The_pack_holds_every_part()
    {
        using var zip = ZipFile.OpenRead(Build());
        Assert.Equal(
            ["audit-key.pub", "evidence.json", "evidence.schema.json", "index.html", "index.html.sig", "manifest.json", "manifest.sig", "raw/controls.json",
             "raw/erasures.json", "raw/journal.jsonl", "raw/pf-anchor.conf", "raw/query-log-excerpt.jsonl", "raw/usage.json", "report.pdf"],
            zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
    }

    public static IEnumerable<object[]> Files =>
    [
        ["report.pdf"], ["evidence.json"], ["raw/pf-anchor.conf"], ["raw/controls.json"], ["raw/journal.jsonl"], ["raw/erasures.json"], ["audit-key.pub"],
    ];

    [Theory]
    [MemberData(nameof(Files))]
    public void Tampering_with_a_file_is_named(string file)
    {
        var path = Build();
        Rewrite(path, file, bytes => [.. bytes, (byte)' ']);
        var result = AuditPackVerifier.Verify(path, _key.Public);
        Assert.False(result.Ok);
        var failure = Assert.Single(result.Failures);
        Assert.Equal(file, failure.Subject);
        Assert.Contains("the manifest says", failure.Detail);
    }

    [Fact]
    public void Tampering_with_the_page_breaks_its_own_signature()
    {
        var path = Build();
        Rewrite(path, "index.html", bytes => [.. bytes, (byte)' ']);
        var failure = Assert.Single(AuditPackVerifier.Verify(path, _key.Public).Failures);
        Assert.Equal("index.html", failure.Subject);
        Assert.Contains("index.html.sig", failure.Detail);
    }

    [Fact]
    public void A_page_that_states_another_manifest_is_named_even_when_signed()
    {
        var path = Build();
        string stated;
        using (var zip = ZipFile.OpenRead(path))
        using (var reader = new StreamReader(zip.GetEntry("manifest.json")!.Open()))
            stated = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(reader.ReadToEnd())));
        byte[] forged = [];
        Rewrite(path, "index.html", bytes => forged = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes).Replace(stated, new string('0', 64))));
        Rewrite(path, "index.html.sig", _ => Encoding.ASCII.GetBytes(Convert.ToBase64String(_key.Sign(forged)) + "\n"));
        var failure = Assert.Single(AuditPackVerifier.Verify(path, _key.Public).Failures);
        Assert.Equal("index.html", failure.Subject);
        Assert.Contains("does not state this manifest", failure.Detail);
    }

    [Fact]
    public void Tampering_with_the_manifest_breaks_the_signature()
    {
        var path = Build();
        Rewrite(path, "manifest.json", bytes => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes).Replace("\"period\"", "\"period\" ")));
        // The page states the signed manifest's hash, so it no longer matches either.
        Assert.Equal(["index.html", "manifest.sig"], AuditPackVerifier.Verify(path, _key.Public).Failures.Select(f => f.Subject).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_forged_signature_is_named()
    {
        var path = Build();
        var other = AuditKey.Create();
        Rewrite(path, "manifest.sig", _ =>
        {
            using var zip = ZipFile.OpenRead(path);
            using var stream = zip.GetEntry("manifest.json")!.Open();
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            return Encoding.ASCII.GetBytes(Convert.ToBase64String(other.Sign(memory.ToArray())));
        });
        var failure = Assert.Single(AuditPackVerifier.Verify(path, _key.Public).Failures);
        Assert.Equal("manifest.sig", failure.Subject);
    }

    [Fact]
    public void A_pack_signed_by_another_key_fails_against_the_trusted_key()
    {
        var path = Path.Combine(_dir, "other.zip");
        _writer.Write(PackInputs.Example(), AuditKey.Create(), path);
        Assert.True(AuditPackVerifier.Verify(path, trustedKey: null).Ok);
        var failures = AuditPackVerifier.Verify(path, _key.Public).Failures.Select(f => f.Subject).ToList();
        Assert.Contains("manifest.sig", failures);
        Assert.Contains("manifest.json", failures);
    }

    [Fact]
    public void An_edited_query_log_entry_breaks_the_chain_even_with_a_consistent_manifest()
    {
        // An attacker who edits the excerpt and re-signs with their own key is caught twice: the key and the chain.
        var inputs = PackInputs.Example();
        var tampered = inputs with
        {
            QueryLogExcerpt = [.. inputs.QueryLogExcerpt.Select(e => e.Sequence == 3 ? e with { Payload = e.Payload.Replace("tkoch", "mberger") } : e)],
        };
        var path = Path.Combine(_dir, "chain.zip");
        _writer.Write(tampered, _key, path);
        var failure = Assert.Single(AuditPackVerifier.Verify(path, _key.Public).Failures);
        Assert.Equal("raw/query-log-excerpt.jsonl (chain)", failure.Subject);
        Assert.Contains("entry 3", failure.Detail);
    }

    [Fact]
    public void An_unlisted_file_is_named()
    {
        var path = Build();
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        using (var writer = new StreamWriter(zip.CreateEntry("raw/extra.txt").Open()))
            writer.Write("smuggled");
        var failure = Assert.Single(AuditPackVerifier.Verify(path, _key.Public).Failures);
        Assert.Equal("raw/extra.txt", failure.Subject);
    }

    [Fact]
    public void The_same_inputs_give_the_same_bytes()
    {
        var first = Build("a.zip");
        var second = Build("b.zip");
        using (var a = ZipFile.OpenRead(first))
        using (var b = ZipFile.OpenRead(second))
        {
            var differing = a.Entries.Where(e => !Bytes(e).SequenceEqual(Bytes(b.GetEntry(e.FullName)!))).Select(e => e.FullName).ToList();
            if (differing.Count > 0)
            {
                File.WriteAllBytes("/tmp/first-" + differing[^1].Replace('/', '_'), Bytes(a.GetEntry(differing[^1])!));
                File.WriteAllBytes("/tmp/second-" + differing[^1].Replace('/', '_'), Bytes(b.GetEntry(differing[^1])!));
            }
            Assert.Empty(differing);
        }
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
    }

    [Fact]
    public void Evidence_json_has_every_section_filled()
    {
        using var zip = ZipFile.OpenRead(Build());
        using var doc = JsonDocument.Parse(zip.GetEntry("evidence.json")!.Open());
        var root = doc.RootElement;
        foreach (var section in new[] { "pack", "system", "data_flow", "network", "controls", "backup", "records_of_processing", "measures", "dpia", "ai_act", "usage", "erasures", "limitations" })
            Assert.True(root.TryGetProperty(section, out _), section);
        Assert.Equal("Berger & Partner Rechtsanwälte PartG", root.GetProperty("records_of_processing").GetProperty("controller").GetString());
        Assert.Equal(3, root.GetProperty("records_of_processing").GetProperty("data_categories").GetArrayLength());
        var usage = root.GetProperty("usage");
        Assert.Equal(20, usage.GetProperty("total_queries").GetInt32());
        // Counts outside the period (five failed sign-ins in October) stay out of the totals.
        Assert.Equal((19, 1, 9, 1, 2), (usage.GetProperty("answered").GetInt32(), usage.GetProperty("refused").GetInt32(),
            usage.GetProperty("logins").GetInt32(), usage.GetProperty("login_failures").GetInt32(), usage.GetProperty("access_denials").GetInt32()));
        Assert.Equal(2, usage.GetProperty("sign_ins").GetArrayLength());
        Assert.Equal("query log", usage.GetProperty("purges")[0].GetProperty("log").GetString());
        Assert.Equal(PackInputs.Created.AddHours(-3), usage.GetProperty("evidence_exported_at").GetDateTimeOffset());
        Assert.True(root.GetProperty("network").GetProperty("egress_outside_lan_blocked").GetBoolean());
        Assert.Equal(1, root.GetProperty("controls").GetProperty("failed").GetInt32());
        Assert.Equal(2, root.GetProperty("controls").GetProperty("journal").GetArrayLength()); // the entry outside the period is left out
        Assert.True(root.GetProperty("dpia").GetProperty("dpia_recommended").GetBoolean()); // special categories + new technology
        Assert.Contains(root.GetProperty("limitations").EnumerateArray(), l => l.GetString()!.StartsWith("SIMULATED"));
    }

    [Fact]
    public async Task The_pdf_renders_to_png_pages_with_pdftoppm()
    {
        using var zip = ZipFile.OpenRead(Build());
        var pdf = Path.Combine(_dir, "report.pdf");
        zip.GetEntry("report.pdf")!.ExtractToFile(pdf);
        var runner = new LocalCommandRunner();
        var info = (await runner.RunAsync(Command.Of("pdfinfo", pdf))).EnsureSuccess();
        var pages = int.Parse(info.StandardOutput.Split('\n').First(l => l.StartsWith("Pages:"))[6..].Trim());
        Assert.InRange(pages, 6, 20);
        // Pages are kept under tests/artifacts/audit (ignored) for people to look at.
        var artifacts = Directory.CreateDirectory(Path.Combine(PackInputs.Root, "tests", "artifacts", "audit")).FullName;
        // Pages of an earlier, longer pack would otherwise be counted with these.
        foreach (var old in Directory.GetFiles(artifacts, "report-page-*.png")) File.Delete(old);
        (await runner.RunAsync(Command.Of("pdftoppm", "-png", "-r", "60", pdf, Path.Combine(artifacts, "report-page")))).EnsureSuccess();
        var rendered = Directory.GetFiles(artifacts, "report-page-*.png");
        Assert.Equal(pages, rendered.Length);
        Assert.All(rendered, png => Assert.True(new FileInfo(png).Length > 1000));
        File.Copy(pdf, Path.Combine(artifacts, "report.pdf"), overwrite: true);
        zip.GetEntry("index.html")!.ExtractToFile(Path.Combine(artifacts, "index.html"), overwrite: true);
        var text = (await runner.RunAsync(Command.Of("pdftotext", pdf, "-"))).EnsureSuccess().StandardOutput;
        Assert.Contains("Records of processing (GDPR Art. 30)", text);
        Assert.Contains("Berger & Partner", text);
    }

    [Fact]
    public void The_html_is_self_contained()
    {
        using var zip = ZipFile.OpenRead(Build());
        using var reader = new StreamReader(zip.GetEntry("index.html")!.Open());
        var html = reader.ReadToEnd();
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", ""));
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<link", html);
        Assert.Contains("<svg", html);
        foreach (var id in new[] { "system", "dataflow", "network", "controls", "journal", "backup", "ropa", "toms", "dpia", "aiact", "usage", "erasures", "limitations", "check" })
            Assert.Contains($"id=\"{id}\"", html);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_key_saved_to_disk_is_owner_only_and_loads_back()
    {
        var path = Path.Combine(_dir, "keys", "audit-key");
        _key.Save(path);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(_key.Public.Fingerprint, AuditKey.Load(path).Public.Fingerprint);
        Assert.Equal(_key.Public.Fingerprint, AuditPublicKey.Parse(File.ReadAllText(path + ".pub")).Fingerprint);
    }

    private static byte[] Bytes(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    private static void Rewrite(string zipPath, string entryName, Func<byte[], byte[]> change)
    {
        byte[] bytes;
        using (var zip = ZipFile.OpenRead(zipPath))
        using (var stream = zip.GetEntry(entryName)!.Open())
        using (var memory = new MemoryStream())
        {
            stream.CopyTo(memory);
            bytes = memory.ToArray();
        }
        var changed = change(bytes);
        using var update = ZipFile.Open(zipPath, ZipArchiveMode.Update);
        update.GetEntry(entryName)!.Delete();
        using var output = update.CreateEntry(entryName).Open();
        output.Write(changed);
    }
}
