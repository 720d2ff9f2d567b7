using System.Globalization;
using PdfSharp.Drawing;
using PdfSharp.Pdf;
using Appliance.Audit.Evidence;

namespace Appliance.Audit.Render;

/// <summary>report.pdf: the same sections as index.html, laid out on A4 pages with PdfSharp.</summary>
public sealed class PdfReport
{
    public byte[] Render(AuditEvidence e)
    {
        using var document = new PdfDocument();
        document.Info.Title = $"Audit pack — {e.Pack.Appliance} — {e.Pack.Period}";
        document.Info.Author = e.Pack.Appliance;
        document.Info.Creator = $"Appliance {e.Pack.ApplianceVersion}";
        document.Info.CreationDate = e.Pack.CreatedAt.UtcDateTime;
        document.Info.ModificationDate = e.Pack.CreatedAt.UtcDateTime;
        var page = new PdfPageWriter(document);

        page.Title($"Audit pack: {e.Pack.Appliance}");
        page.Text($"Host {e.Pack.Hostname} · period {e.Pack.Period} · created {Stamp(e.Pack.CreatedAt)} · appliance {e.Pack.ApplianceVersion}");
        page.Text($"Signed with audit key {e.Pack.KeyFingerprint}. Verify with: provision audit verify PACK.zip");
        if (e.Pack.Simulated) page.Warning("Simulated macOS: system facts and controls were read from the provisioner's simulated macOS (sandbox target), not from a real Mac.");
        page.Heading("Contents");
        foreach (var (title, i) in Sections.Select((t, i) => (t, i + 1))) page.Text($"{i}. {title}");

        page.Heading($"1. {Sections[0]}", newPage: true);
        var f = e.System.Facts;
        page.Table(["", ""], [["Hardware", f.Hardware], ["macOS", f.MacOsVersion], ["SIP", f.SipStatus], ["FileVault", f.FileVaultStatus], ["Backup", f.BackupStance],
            ["Inference", $"{e.System.Inference.Backend}, threads {e.System.Inference.Threads}, GPU wired limit {e.System.Inference.GpuWiredLimitMb} MB, queue {e.System.Inference.QueueLimit}"]], [120, 375]);
        page.Subheading("Models");
        page.Table(["role", "name", "SHA-256", "source / licence", "bytes"],
            e.System.Models.Select(m => new[] { m.Role, m.Name + (m.IsTestModel ? " (generated test model: meaningless output)" : ""), m.Sha256, $"{m.Source ?? "-"} / {m.License ?? "-"}", m.SizeBytes.ToString(CultureInfo.InvariantCulture) }), [55, 100, 150, 130, 60]);
        page.Subheading("Where data lives");
        page.Table(["what", "path", "protection"], e.System.Storage.Select(s => new[] { s.What, s.Path, s.Protection }), [110, 185, 200]);

        page.Heading($"2. {Sections[1]}", newPage: true);
        page.Table(["#", "from", "to", "what moves", "where"], e.DataFlow.Steps.Select(s => new[] { s.Order.ToString(CultureInfo.InvariantCulture), s.From, s.To, s.What, s.Where }), [20, 75, 70, 200, 130]);
        page.Subheading("Crosses the network");
        foreach (var item in e.DataFlow.CrossesTheNetwork) page.Bullet(item);
        page.Subheading("Never leaves the box");
        foreach (var item in e.DataFlow.NeverLeaves) page.Bullet(item);

        page.Heading($"3. {Sections[2]}", newPage: true);
        page.Table(["", ""], [["pf enabled", e.Network.PfEnabled ? "yes" : "NO"], ["anchor SHA-256", e.Network.AnchorSha256],
            ["egress outside the LAN blocked", e.Network.EgressOutsideLanBlocked ? "yes (every evaluated outside flow blocks)" : "NOT PROVEN"],
            ["update window", e.Network.UpdateWindow ?? "none configured"]], [150, 345]);
        page.Table(["direction", "from", "to", "proto/port", "verdict", "rule"],
            e.Network.Matrix.Select(m => new[] { m.Direction, m.From, m.To, $"{m.Protocol} {m.Port}", m.Pass ? "pass" : "block", m.Rule }), [58, 80, 80, 62, 45, 170]);
        page.Subheading("What stops working by design");
        foreach (var item in e.Network.BrokenByDesign) page.Bullet(item);

        page.Heading($"4. {Sections[3]}", newPage: true);
        page.Text($"{e.Controls.Passed} of {e.Controls.Results.Count} controls pass.");
        page.Table(["id", "control", "expected", "observed", "result"],
            e.Controls.Results.Select(c => new[] { c.Id, c.Title, c.Expected, c.Observed, c.Passed ? "pass" : "FAIL" }), [90, 140, 105, 105, 55]);
        if (e.Controls.Drift.Count > 0) { page.Subheading("Current drift"); foreach (var d in e.Controls.Drift) page.Bullet(d); }

        page.Heading($"5. {Sections[4]}");
        page.Table(["when", "who", "gen.", "step", "result"],
            e.Controls.Journal.Select(j => new[] { Stamp(j.At), $"{j.User}@{j.Host}", j.Generation.ToString(CultureInfo.InvariantCulture), j.Step, j.Result }), [95, 85, 30, 200, 85], "no provisioning in this period");

        page.Heading($"6. {Sections[5]}", newPage: true);
        var r = e.RecordsOfProcessing;
        page.Table(["", ""],
        [
            ["Controller", $"{r.Controller}, {r.ControllerContact}{(r.ControllerAddress is null ? "" : ", " + r.ControllerAddress)}"], ["DPO", $"{r.Dpo}, {r.DpoContact}"],
            ["Purposes", string.Join("; ", r.Purposes)], ["Legal basis", r.LegalBasis], ["Data subjects", string.Join("; ", r.DataSubjects)],
            ["Recipients", string.Join("; ", r.Recipients)], ["Transfers", r.Transfers], ["Retention", string.Join("; ", r.Retention)], ["Security", r.SecurityMeasures],
        ], [110, 385]);
        page.Table(["collection", "categories", "readable by"], r.DataCategories.Select(c => new[] { $"{c.Title} ({c.Collection})", string.Join(", ", c.Categories), string.Join(", ", c.ReadableBy) }), [150, 245, 100]);

        page.Heading($"7. {Sections[6]}", newPage: true);
        page.Table(["id", "measure", "how", "evidence", "status"],
            e.Measures.Select(m => new[] { m.Id, $"{m.Title} ({string.Join(", ", m.Art32)})", m.Description, string.Join(", ", m.EvidenceControls), m.Status }), [40, 85, 210, 90, 70]);

        page.Heading($"8. {Sections[7]}", newPage: true);
        page.Table(["criterion", "question", "answer"], e.Dpia.Questions.Select(q => new[] { q.Criterion, q.Question, q.Answer ? "yes" : "no" }), [100, 345, 50]);
        page.Text((e.Dpia.DpiaRecommended ? "A DPIA is recommended. " : "A full DPIA is not normally required. ") + e.Dpia.Rationale);

        page.Heading($"9. {Sections[8]}");
        page.Table(["", ""], [["Role", e.AiAct.Role], ["Risk classification", e.AiAct.RiskClassification], ["Rationale", e.AiAct.Rationale],
            ["Transparency", e.AiAct.Transparency], ["AI literacy (Art. 4)", e.AiAct.Literacy], ["Changes with", string.Join("; ", e.AiAct.WhenItChanges)]], [120, 375]);

        page.Heading($"10. {Sections[9]}", newPage: true);
        var u = e.Usage;
        page.Text($"Question text in the query log: {u.QuestionTextMode}. Counts only, never question text: the query-log excerpt carries a salted commitment in place of each question.");
        page.Text(u.EvidenceExportedAt is { } exported ? $"Exported by the agent at {Stamp(exported)}." : "The agent had exported no evidence: the counts below are empty, not zero.");
        page.Table(["", ""], [["queries", $"{N(u.TotalQueries)} ({N(u.Answered)} answered, {N(u.Refused)} refused)"],
            ["sign-ins / failed / lockouts", $"{N(u.Logins)} / {N(u.LoginFailures)} / {N(u.Lockouts)}"], ["access denials", N(u.AccessDenials)],
            ["query-log chain", (u.QueryLogChain.Intact ? "intact — " : u.QueryLogChain.FirstBrokenSequence is null ? "not verified — " : "BROKEN — ") + u.QueryLogChain.Detail]], [130, 365]);
        page.Subheading("Queries per day, collection and role");
        page.Table(["day", "collection", "role", "queries"], u.Queries.Select(q => new[] { Day(q.Day), q.Collection, q.Role, N(q.Count) }), [100, 200, 120, 75], "no queries in this period");
        page.Subheading("How queries ended");
        page.Table(["outcome", "queries"], u.Outcomes.Select(o => new[] { o.Kind, N(o.Count) }), [400, 95], "no queries in this period");
        page.Subheading("Sign-ins per day");
        page.Table(["day", "outcome", "count"], u.SignIns.Select(s => new[] { Day(s.Day), s.Kind, N(s.Count) }), [100, 300, 95], "no sign-ins in this period");
        page.Subheading("Access denials per day");
        page.Table(["day", "route", "reason", "count"], u.Denials.Select(d => new[] { Day(d.Day), d.Route, d.Reason, N(d.Count) }), [80, 175, 190, 50], "no access denials in this period");
        page.Subheading("Retention purges");
        page.Table(["when", "log", "entries removed", "older than"], u.Purges.Select(p => new[] { Stamp(p.At), p.Log, p.EntriesRemoved.ToString(CultureInfo.InvariantCulture), Stamp(p.OlderThan) }), [125, 120, 100, 150], "no purge in this period");

        page.Heading($"11. {Sections[10]}");
        page.Table(["when", "by", "collection", "document", "SHA-256", "chunks"],
            e.Erasures.Select(x => new[] { Stamp(x.At), x.User, x.Collection, x.DocumentId, x.DocumentSha256, x.ChunksRemoved.ToString(CultureInfo.InvariantCulture) }), [80, 50, 60, 85, 180, 40], "no erasures in this period");

        page.Heading($"12. {Sections[11]}");
        foreach (var item in e.Limitations) page.Bullet(item);

        page.Finish();
        // The file identifier is random by default; derive it from the content so equal evidence gives equal bytes.
        var id = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(e, Pack.AuditJson.Lines)))[..16]);
        document.Internals.FirstDocumentID = id;
        document.Internals.SecondDocumentID = id;
        using var output = new MemoryStream();
        document.Save(output, closeStream: false);
        return StableIdentifiers(output.ToArray(), id);
    }

    /// <summary>
    /// PdfSharp writes random identifiers: a six-letter tag before each embedded font subset
    /// ("LOAZAK+DejaVu Sans") and uuids in the XMP metadata. Replace them with values derived from
    /// the content, always of the same length, so the xref offsets stay valid and equal evidence
    /// gives equal bytes.
    /// </summary>
    private static byte[] StableIdentifiers(byte[] pdf, string contentId)
    {
        var text = System.Text.Encoding.Latin1.GetString(pdf);
        var hex = contentId.ToLowerInvariant();
        var uuid = $"uuid:{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..32]}";
        text = System.Text.RegularExpressions.Regex.Replace(text, "uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", uuid);
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        var stable = System.Text.RegularExpressions.Regex.Replace(text, @"(?<=/(?:FontName|BaseFont)/)[A-Z]{6}(?=\+)", m =>
        {
            if (!tags.TryGetValue(m.Value, out var tag))
            {
                var n = tags.Count;
                tag = "APPL" + (char)('A' + n / 26 % 26) + (char)('A' + n % 26);
                tags[m.Value] = tag;
            }
            return tag;
        });
        return System.Text.Encoding.Latin1.GetBytes(stable);
    }

    public static readonly string[] Sections =
    [
        "System description", "Data flow", "Network evidence", "Controls and drift", "Provisioning journal",
        "Records of processing (Art. 30)", "Technical and organisational measures (Art. 32)", "DPIA screening (Art. 35)",
        "EU AI Act notes", "Usage evidence", "Erasure log", "Known limitations",
    ];

    private static string N(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
