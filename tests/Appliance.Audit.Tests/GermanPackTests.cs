using System.IO.Compression;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Appliance.Audit.Evidence;
using Appliance.Audit.Pack;
using Appliance.Audit.Render;
using Appliance.Audit.Signing;
using Appliance.Audit.Text;
using Appliance.Config;
using Appliance.Exec;

namespace Appliance.Audit.Tests;

/// <summary>
/// The pack a DPO of a German law firm hands over: in German, times in the box's zone, legal
/// references exact, and still signed and verifiable; and what every pack says about its journal,
/// backups, erasures and data flow.
/// </summary>
public sealed partial class GermanPackTests : IDisposable
{
    private static readonly TimeZoneInfo Zurich = TimeZoneInfo.FindSystemTimeZoneById("Europe/Zurich");
    private readonly string _dir = Directory.CreateTempSubdirectory("german-pack").FullName;
    private readonly AuditKey _key = AuditKey.FromSeed(Enumerable.Range(7, 32).Select(i => (byte)i).ToArray());

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static AuditInputs German() => PackInputs.Example() with { Language = ReportLanguage.De, TimeZone = Zurich };

    private string Build(AuditInputs inputs, string name = "pack.zip")
    {
        var path = Path.Combine(_dir, name);
        new AuditPackWriter(HtmlReport.FromShippedTemplates(), new PdfReport()).Write(inputs, _key, path);
        return path;
    }

    private static string Entry(string zipPath, string name)
    {
        using var zip = ZipFile.OpenRead(zipPath);
        using var reader = new StreamReader(zip.GetEntry(name)!.Open());
        return reader.ReadToEnd();
    }

    [Fact]
    public void Both_languages_have_every_text()
    {
        var english = PackText.Strings(ReportLanguage.En).Keys.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(english, PackText.Strings(ReportLanguage.De).Keys.Order(StringComparer.Ordinal).ToList());
        Assert.All(PackText.Strings(ReportLanguage.De), pair => Assert.True(pair.Value.Length > 0, pair.Key));
    }

    [Fact]
    public void Times_are_in_the_box_zone_and_numbers_are_written_the_language_way()
    {
        var de = PackText.For(ReportLanguage.De, Zurich);
        var en = PackText.For(ReportLanguage.En, Zurich);
        var winter = new DateTimeOffset(2026, 11, 20, 18, 30, 0, TimeSpan.Zero);
        var summer = new DateTimeOffset(2026, 7, 1, 6, 5, 0, TimeSpan.Zero);
        Assert.Equal(("20.11.2026 19:30", "01.07.2026 08:05"), (de.Time(winter), de.Time(summer)));
        Assert.Equal("2026-11-20 19:30", en.Time(winter));
        Assert.Equal(("1\u202f234\u202f567", "1,234,567", "999"), (de.Number(1_234_567), en.Number(1_234_567), de.Number(999)));
        Assert.Equal(("1,5 GB", "1.5 GB"), (de.Bytes(1_572_864_000), en.Bytes(1_572_864_000)));
        Assert.Equal(("Art. 32 Abs. 1 lit. b DSGVO", "GDPR Art. 32(1)(b)"), (de.Article32("Art. 32(1)(b)"), en.Article32("Art. 32(1)(b)")));
    }

    [Fact]
    public async Task The_german_pack_verifies_and_its_pdf_renders_in_german_with_exact_legal_references()
    {
        var path = Build(German());
        var verification = AuditPackVerifier.Verify(path, _key.Public);
        Assert.True(verification.Ok, string.Join("\n", verification.Failures));

        var evidence = JsonDocument.Parse(Entry(path, "evidence.json")).RootElement.GetProperty("pack");
        Assert.Equal(("de", "Europe/Zurich"), (evidence.GetProperty("language").GetString(), evidence.GetProperty("time_zone").GetString()));

        var pdf = Path.Combine(_dir, "report.pdf");
        using (var zip = ZipFile.OpenRead(path)) zip.GetEntry("report.pdf")!.ExtractToFile(pdf);
        var runner = new LocalCommandRunner();
        // -raw keeps the order the text was drawn in: a table cell's wrapped lines stay together.
        var text = Regex.Replace((await runner.RunAsync(Command.Of("pdftotext", "-raw", pdf, "-"))).EnsureSuccess().StandardOutput, @"\s+", " ");
        foreach (var expected in new[]
                 {
                     "Audit-Paket: Berger & Partner", "Verzeichnis von Verarbeitungstätigkeiten (Art. 30 DSGVO)",
                     "Technische und organisatorische Maßnahmen (Art. 32 DSGVO)", "Art. 32 Abs. 1 lit. b DSGVO",
                     "Datenschutz-Folgenabschätzung (Art. 35 DSGVO)", "Verordnung (EU) 2024/1689", "Anhang III Nummer 4",
                     "erstellt 20.11.2026 19:30 (Europe/Zurich)", "Letzte erfolgreiche Sicherung", "Seite 1",
                 })
            Assert.Contains(expected, text);
        Assert.DoesNotContain("Records of processing", text);

        // Pages are kept under tests/artifacts/audit/de (ignored) for people to look at.
        var artifacts = Directory.CreateDirectory(Path.Combine(PackInputs.Root, "tests", "artifacts", "audit", "de")).FullName;
        foreach (var old in Directory.GetFiles(artifacts, "report-de-*.png")) File.Delete(old);
        (await runner.RunAsync(Command.Of("pdftoppm", "-png", "-r", "70", pdf, Path.Combine(artifacts, "report-de")))).EnsureSuccess();
        Assert.NotEmpty(Directory.GetFiles(artifacts, "report-de-*.png"));
        File.Copy(pdf, Path.Combine(artifacts, "report-de.pdf"), overwrite: true);
        File.WriteAllText(Path.Combine(artifacts, "index-de.html"), Entry(path, "index.html"));
    }

    [Fact]
    public void Without_a_language_the_pack_speaks_privacy_report_language_as_the_nightly_pack_does()
    {
        var example = PackInputs.Example();
        var inputs = example with { Config = example.Config with { Privacy = example.Config.Privacy with { ReportLanguage = ReportLanguage.De } } };
        Assert.Null(inputs.Language);
        Assert.Equal("de", EvidenceAssembler.Assemble(inputs, _key.Public.Fingerprint).Pack.Language);
        Assert.Equal("en", EvidenceAssembler.Assemble(inputs with { Language = ReportLanguage.En }, _key.Public.Fingerprint).Pack.Language);
    }

    [Fact]
    public void The_german_page_is_german_and_states_times_in_the_box_zone()
    {
        var html = Entry(Build(German()), "index.html");
        Assert.Contains("<html lang=\"de\">", html);
        Assert.Contains("So prüfen Sie dieses Paket", html);
        Assert.Contains("Europe/Zurich", html);
        Assert.Contains("20.11.2026 19:30", html);
        Assert.DoesNotContain("Records of processing", html);
    }

    [Fact]
    public void The_diagram_and_the_list_below_it_name_the_same_crossings()
    {
        foreach (var inputs in new[] { PackInputs.Example(), German() })
        {
            var html = Entry(Build(inputs, $"flow-{inputs.EffectiveLanguage}.zip"), "index.html");
            var inDiagram = Crossing().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToList();
            var list = ListItem().Matches(CrossesList().Match(html).Groups[1].Value).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToList();
            Assert.Equal(3, list.Count);
            Assert.Equal(list, inDiagram);
            Assert.Contains(list, l => l.Contains("SSH", StringComparison.Ordinal));
            Assert.Contains(list, l => l.Contains("NTP", StringComparison.Ordinal) && l.Contains("DNS", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void The_erasure_log_names_the_path_only_where_a_dpo_account_may_read_the_collection()
    {
        var path = Build(PackInputs.Example());
        var erasures = JsonDocument.Parse(Entry(path, "evidence.json")).RootElement.GetProperty("erasures").EnumerateArray()
            .ToDictionary(e => e.GetProperty("collection").GetString()!, e => e.GetProperty("path").GetString());
        // sweiss (dpo) is in the groups everyone and hr: she may read hr, not the lawyers' client matters.
        Assert.Equal("/Users/Shared/Kanzlei/Personal/2020-review-koch.pdf", erasures["hr"]);
        Assert.Null(erasures["clients"]);
        var html = Entry(path, "index.html");
        Assert.Contains("/Users/Shared/Kanzlei/Personal/2020-review-koch.pdf", html);
        Assert.DoesNotContain("2019-smith", html);
        Assert.Contains(new string('e', 64), html);
        Assert.DoesNotContain("2019-smith", Entry(path, "raw/erasures.json"));
    }

    [Fact]
    public void The_journal_is_one_line_per_run_with_what_changed_and_failed_and_the_steps_are_in_raw()
    {
        var path = Build(PackInputs.Example());
        var journal = JsonDocument.Parse(Entry(path, "evidence.json")).RootElement.GetProperty("controls").GetProperty("journal");
        Assert.Equal(2, journal.GetArrayLength());
        Assert.Equal(["pf anchor", "agent service"], journal[0].GetProperty("changed").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(0, journal[0].GetProperty("failures").GetArrayLength());
        Assert.Equal("pmset -a sleep 0: pmset: permission denied", Assert.Single(journal[1].GetProperty("failures").EnumerateArray()).GetString());
        var html = Entry(path, "index.html");
        Assert.Contains("2 step(s): pf anchor, agent service", html);
        Assert.Contains("1 failure(s): pmset -a sleep 0", html);
        Assert.DoesNotContain("launchctl bootstrap system", html);
        var steps = Entry(path, AuditPackWriter.JournalName);
        Assert.Contains("launchctl bootstrap system /Library/LaunchDaemons/com.appliance.agent.plist", steps);
        Assert.Contains("pmset: permission denied", steps);
    }

    [Fact]
    public void The_backup_section_states_the_last_backup_the_last_drill_and_the_destination_or_none_yet()
    {
        var html = Section(Entry(Build(PackInputs.Example()), "index.html"), "backup");
        Assert.Contains("/Volumes/Backup", html);
        Assert.Contains("2026-11-20 02:30: backup of set 20261120-023000 (1.5 GB) on /Volumes/Backup", html);
        Assert.Contains("none yet: no backup has been read back (verify or restore)", html);

        var drilled = PackInputs.Example() with
        {
            Backup = new BackupFacts("/Volumes/Backup", null,
                new BackupRecord(BackupRecordKind.Restore, PackInputs.Created.AddDays(-3), "/Volumes/Backup", "20261101-023000", 0, null),
                new BackupRecord(BackupRecordKind.Backup, PackInputs.Created.AddHours(-2), "/Volumes/Backup", null, 0, "destination full")),
            Language = ReportLanguage.De, TimeZone = Zurich,
        };
        var german = Section(Entry(Build(drilled, "drilled.zip"), "index.html"), "backup");
        Assert.Contains("noch keine: Bisher ist keine Sicherung gelungen", german);
        Assert.Contains("17.11.2026 19:30: Wiederherstellung von Satz 20261101-023000", german);
        Assert.Contains("20.11.2026 17:30: destination full", german);

        var none = Section(Entry(Build(PackInputs.Example() with { Backup = BackupFacts.NotConfigured }, "none.zip"), "index.html"), "backup");
        Assert.Contains("Backups are not configured", none);
    }

    [Fact]
    public async Task The_page_states_the_manifest_hash_and_signature_and_its_openssl_commands_verify_the_pack()
    {
        var path = Build(German());
        var folder = Path.Combine(_dir, "unzipped");
        ZipFile.ExtractToDirectory(path, folder);
        var html = WebUtility.HtmlDecode(File.ReadAllText(Path.Combine(folder, "index.html")));
        var manifestSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(folder, "manifest.json"))));
        Assert.Equal(manifestSha, Cell().Match(html.Replace("id=\"manifest-sha256\"", "§manifest")) is var m && m.Success ? m.Groups[1].Value : "");
        Assert.Contains(File.ReadAllText(Path.Combine(folder, "manifest.sig")).Trim(), html);

        // As a DPO would: save the key printed on the page, then run the commands printed below it.
        File.WriteAllText(Path.Combine(folder, "audit-key.pem"), Pre("public-key-pem").Match(html).Groups[1].Value);
        var commands = Pre("openssl-commands").Match(html).Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, commands.Length);
        var outputs = new List<string>();
        foreach (var line in commands)
        {
            var words = line.Split(' ');
            var result = await new LocalCommandRunner().RunAsync(Command.Of(words[0], words[1..]).WithWorkingDirectory(folder));
            Assert.True(result.Succeeded, $"{line}: {result.StandardError}");
            outputs.Add(result.StandardOutput);
        }
        Assert.Equal(2, outputs.Count(o => o.Contains("Signature Verified Successfully", StringComparison.Ordinal)));
        Assert.Contains(manifestSha, outputs[^1]);
    }

    private static string Section(string html, string id)
    {
        var start = html.IndexOf($"<h2 id=\"{id}\">", StringComparison.Ordinal);
        return html[start..html.IndexOf("<h2 ", start + 4, StringComparison.Ordinal)];
    }

    [GeneratedRegex("<text x=\"10\" y=\"\\d+\" class=\"crossing\">([^<]*)</text>")]
    private static partial Regex Crossing();

    [GeneratedRegex("<ul id=\"crosses-the-network\">(.*?)</ul>", RegexOptions.Singleline)]
    private static partial Regex CrossesList();

    [GeneratedRegex("<li>(.*?)</li>", RegexOptions.Singleline)]
    private static partial Regex ListItem();

    [GeneratedRegex("§manifest>([0-9a-f]{64})<")]
    private static partial Regex Cell();

    private static Regex Pre(string id) => new($"<pre id=\"{id}\">(.*?)</pre>", RegexOptions.Singleline);
}
