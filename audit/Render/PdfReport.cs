using PdfSharp.Drawing;
using PdfSharp.Pdf;
using Appliance.Audit.Evidence;
using Appliance.Audit.Text;

namespace Appliance.Audit.Render;

/// <summary>report.pdf: the same sections as index.html, laid out on A4 pages with PdfSharp.</summary>
public sealed class PdfReport
{
    public byte[] Render(AuditEvidence e)
    {
        var t = PackText.Of(e.Pack);
        using var document = new PdfDocument();
        document.Info.Title = t.Get("pack.title", ("appliance", e.Pack.Appliance)) + " — " + e.Pack.Period;
        document.Info.Author = e.Pack.Appliance;
        document.Info.Creator = $"Appliance {e.Pack.ApplianceVersion}";
        document.Info.CreationDate = e.Pack.CreatedAt.UtcDateTime;
        document.Info.ModificationDate = e.Pack.CreatedAt.UtcDateTime;
        var page = new PdfPageWriter(document, t["pdf.page"]);
        var period = AuditPeriod.Parse(e.Pack.Period);
        var sections = t.Sections();
        string H(int i) => $"{i + 1}. {sections[i]}";

        page.Title(t.Get("pack.title", ("appliance", e.Pack.Appliance)));
        page.Text(t.Get("pack.header", ("host", e.Pack.Hostname), ("period", t.Period(period.From, period.To)), ("created", e.Pack.CreatedAt),
            ("zone", t.ZoneName), ("version", e.Pack.ApplianceVersion)));
        page.Text(t.Get("pack.signed.pdf", ("fingerprint", e.Pack.KeyFingerprint)));
        if (e.Pack.Simulated) page.Warning(t["pack.simulated"]);
        page.Heading(t["pack.contents"]);
        foreach (var i in Enumerable.Range(0, sections.Count)) page.Text(H(i));

        page.Heading(H(0), newPage: true);
        var f = e.System.Facts;
        var inference = e.System.Inference;
        page.Table(["", ""], [[t["system.hardware"], f.Hardware], [t["system.macos"], f.MacOsVersion], [t["system.sip"], f.SipStatus], [t["system.filevault"], f.FileVaultStatus],
            [t["system.inference"], t.Get("system.inference.value", ("backend", inference.Backend), ("threads", inference.Threads), ("wired", inference.GpuWiredLimitMb), ("queue", inference.QueueLimit))]], [120, 375]);
        page.Subheading(t["system.models"]);
        page.Table([t["system.models.role"], t["system.models.name"], "SHA-256", t["system.models.source-licence"], t["system.models.size"]],
            e.System.Models.Select(m => new[] { m.Role, m.Name + (m.IsTestModel ? " " + t["system.models.test"] : ""), m.Sha256, $"{m.Source ?? "-"} / {m.License ?? "-"}", t.Bytes(m.SizeBytes) }), [55, 100, 150, 130, 60]);
        page.Subheading(t["system.storage"]);
        page.Table([t["system.storage.what"], t["system.storage.path"], t["system.storage.protection"]], e.System.Storage.Select(s => new[] { s.What, s.Path, s.Protection }), [110, 185, 200]);

        page.Heading(H(1), newPage: true);
        page.Table(["#", t["flow.from"], t["flow.to"], t["flow.what"], t["flow.where"]], e.DataFlow.Steps.Select(s => new[] { t.Number(s.Order), s.From, s.To, s.What, s.Where }), [18, 88, 88, 171, 130]);
        page.Subheading(t["flow.crosses"]);
        foreach (var item in e.DataFlow.CrossesTheNetwork) page.Bullet(item);
        page.Subheading(t["flow.never"]);
        foreach (var item in e.DataFlow.NeverLeaves) page.Bullet(item);

        page.Heading(H(2), newPage: true);
        page.Table(["", ""], [[t["network.pf"], e.Network.PfEnabled ? t["common.yes"] : t["common.NO"]], [t["network.anchor"], e.Network.AnchorSha256],
            [t["network.egress"], e.Network.EgressOutsideLanBlocked ? t["network.egress.blocked"] : t["network.egress.not-proven"]],
            [t["network.update-window"], e.Network.UpdateWindow ?? t["network.update-window.none"]]], [150, 345]);
        page.Table([t["network.direction"], t["flow.from"], t["flow.to"], t["network.proto-port"], t["network.verdict"], t["network.rule"]],
            e.Network.Matrix.Select(m => new[] { t[$"network.dir.{m.Direction}"], m.From, m.To, $"{m.Protocol} {m.Port}", m.Pass ? t["network.pass"] : t["network.block"], m.Rule }), [58, 80, 80, 62, 45, 170]);
        page.Subheading(t["network.broken"]);
        foreach (var item in e.Network.BrokenByDesign) page.Bullet(item);

        page.Heading(H(3), newPage: true);
        page.Text(t.Get("controls.pass-rate", ("passed", e.Controls.Passed), ("total", e.Controls.Results.Count)));
        page.Table([t["controls.id"], t["controls.control"], t["controls.expected"], t["controls.observed"], t["controls.result"]],
            e.Controls.Results.Select(c => new[] { c.Id, c.Title, c.Expected, c.Observed, c.Passed ? t["controls.pass"] : t["controls.fail"] }), [85, 130, 100, 100, 80]);
        page.Text(t["controls.english"]);
        if (e.Controls.Drift.Count > 0) { page.Subheading(t["controls.drift.title"]); foreach (var d in e.Controls.Drift) page.Bullet(d); }

        page.Heading(H(4));
        page.Text(t["journal.intro"]);
        page.Table([t["journal.when"], t["journal.who"], t["journal.generation"], t["journal.action"], t["journal.changed"], t["journal.result"]],
            e.Controls.Journal.Select(j => new[] { t.Time(j.At), $"{j.User}@{j.Host}", t.Number(j.Generation), j.Action, JournalChanged(t, j), JournalResult(t, j) }),
            [70, 78, 57, 45, 150, 95], t["journal.none"]);

        page.Heading(H(5));
        page.Table(["", ""], BackupRows(t, e.Backup).Select(row => new[] { row.Label, row.Value }), [150, 345]);

        page.Heading(H(6), newPage: true);
        var r = e.RecordsOfProcessing;
        page.Table(["", ""],
        [
            [t["ropa.controller"], $"{r.Controller}, {r.ControllerContact}{(r.ControllerAddress is null ? "" : ", " + r.ControllerAddress)}"], [t["ropa.dpo"], $"{r.Dpo}, {r.DpoContact}"],
            [t["ropa.purposes"], string.Join("; ", r.Purposes)], [t["ropa.legal-basis"], r.LegalBasis], [t["ropa.subjects"], string.Join("; ", r.DataSubjects)],
            [t["ropa.recipients.title"], string.Join("; ", r.Recipients)], [t["ropa.transfers.title"], r.Transfers], [t["ropa.retention"], string.Join("; ", r.Retention)], [t["ropa.security.title"], r.SecurityMeasures],
        ], [110, 385]);
        page.Table([t["ropa.collection"], t["ropa.categories"], t["ropa.readable-by"]], r.DataCategories.Select(c => new[] { $"{c.Title} ({c.Collection})", string.Join(", ", c.Categories), string.Join(", ", c.ReadableBy) }), [150, 245, 100]);

        page.Heading(H(7), newPage: true);
        page.Table([t["measure.id"], t["measure.measure"], t["measure.how"], t["measure.evidence"], t["measure.status"]],
            e.Measures.Select(m => new[] { m.Id, $"{m.Title} ({string.Join(", ", m.Art32.Select(t.Article32))})", m.Description, string.Join(", ", m.EvidenceControls), m.Status }), [42, 108, 200, 70, 75]);

        page.Heading(H(8), newPage: true);
        page.Table([t["dpia.criterion"], t["dpia.question"], t["dpia.answer"]], e.Dpia.Questions.Select(q => new[] { q.Criterion, q.Question, t.YesNo(q.Answer) }), [100, 345, 50]);
        page.Text(t[e.Dpia.DpiaRecommended ? "dpia.recommended" : "dpia.not-required"] + " " + e.Dpia.Rationale);

        page.Heading(H(9));
        page.Table(["", ""], [[t["aiact.role.title"], e.AiAct.Role], [t["aiact.risk.title"], e.AiAct.RiskClassification], [t["aiact.rationale.title"], e.AiAct.Rationale],
            [t["aiact.transparency.title"], e.AiAct.Transparency], [t["aiact.literacy.title"], e.AiAct.Literacy], [t["aiact.changes.title"], string.Join("; ", e.AiAct.WhenItChanges)]], [120, 375]);

        page.Heading(H(10), newPage: true);
        var u = e.Usage;
        page.Text(t.Get("usage.mode", ("mode", u.QuestionTextMode)));
        page.Text(u.EvidenceExportedAt is { } exported ? t.Get("usage.exported", ("at", exported)) : t["usage.no-evidence"]);
        page.Table(["", ""], [[t["usage.queries"], t.Get("usage.queries.value", ("total", u.TotalQueries), ("answered", u.Answered), ("refused", u.Refused))],
            [t["usage.sign-ins"], $"{t.Number(u.Logins)} / {t.Number(u.LoginFailures)} / {t.Number(u.Lockouts)}"], [t["usage.denials"], t.Number(u.AccessDenials)],
            [t["usage.chain"], t[u.QueryLogChain.Intact ? "usage.chain.intact" : u.QueryLogChain.FirstBrokenSequence is null ? "usage.chain.unverified" : "usage.chain.broken"] + " — " + u.QueryLogChain.Detail]], [130, 365]);
        page.Subheading(t["usage.per-day"]);
        page.Table([t["usage.day"], t["usage.collection"], t["usage.role"], t["usage.queries.count"]], u.Queries.Select(q => new[] { t.Day(q.Day), q.Collection, q.Role, t.Number(q.Count) }), [100, 200, 120, 75], t["usage.no-queries"]);
        page.Subheading(t["usage.outcomes"]);
        page.Table([t["usage.outcome"], t["usage.queries.count"]], u.Outcomes.Select(o => new[] { t.Kind(o.Kind), t.Number(o.Count) }), [400, 95], t["usage.no-queries"]);
        page.Subheading(t["usage.sign-ins.per-day"]);
        page.Table([t["usage.day"], t["usage.outcome"], t["usage.count"]], u.SignIns.Select(s => new[] { t.Day(s.Day), t.Kind(s.Kind), t.Number(s.Count) }), [100, 300, 95], t["usage.no-sign-ins"]);
        page.Subheading(t["usage.denials.per-day"]);
        page.Table([t["usage.day"], t["usage.route"], t["usage.reason"], t["usage.count"]], u.Denials.Select(d => new[] { t.Day(d.Day), d.Route, d.Reason, t.Number(d.Count) }), [80, 175, 190, 50], t["usage.no-denials"]);
        page.Subheading(t["usage.purges"]);
        page.Table([t["usage.when"], t["usage.log"], t["usage.removed"], t["usage.older-than"]], u.Purges.Select(p => new[] { t.Time(p.At), p.Log, t.Number(p.EntriesRemoved), t.Time(p.OlderThan) }), [125, 120, 100, 150], t["usage.no-purges"]);

        page.Heading(H(11));
        page.Text(t["erasures.intro"]);
        page.Table([t["erasures.when"], t["erasures.by"], t["erasures.collection"], t["erasures.document"], t["erasures.chunks"]],
            e.Erasures.Select(x => new[] { t.Time(x.At), x.User, x.Collection, ErasedDocument(t, x), t.Number(x.ChunksRemoved) }), [68, 52, 60, 250, 65], t["erasures.none"]);

        page.Heading(H(12));
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

    /// <summary>What a run changed, in the words of the journal's resources.</summary>
    public static string JournalChanged(PackText t, JournalSummary run) =>
        run.Changed.Count == 0 ? t.Get("journal.steps-only", ("steps", run.Steps)) : t.Get("journal.steps-changed", ("steps", run.Steps), ("changed", string.Join(", ", run.Changed)));

    public static string JournalResult(PackText t, JournalSummary run) =>
        run.Failures.Count == 0 ? run.Outcome : t.Get("journal.failed", ("count", run.Failures.Count), ("first", run.Failures[0]));

    /// <summary>The erased document as the DPO may know it: its path when a DPO account can read the collection, else only its hash.</summary>
    public static string ErasedDocument(PackText t, ErasureFact erasure) => erasure.Path is { } path
        ? t.Get("erasures.path", ("path", path), ("sha", erasure.DocumentSha256))
        : t.Get("erasures.hash-only", ("sha", erasure.DocumentSha256));

    /// <summary>The backup section's rows: "none yet" said plainly where nothing was recorded.</summary>
    public static IReadOnlyList<(string Label, string Value)> BackupRows(PackText t, BackupSection backup)
    {
        if (!backup.Configured) return [(t["backup.destination"], t["backup.not-configured"])];
        string Event(BackupRecord? record, string none) => record is null ? none
            : t.Get(record.Set is null ? "backup.event.no-set" : "backup.event", ("kind", t[$"backup.kind.{record.Kind.ToString().ToLowerInvariant()}"]), ("at", record.At),
                ("set", record.Set), ("size", t.Bytes(record.Bytes)), ("destination", record.Destination));
        var rows = new List<(string, string)>
        {
            (t["backup.destination"], backup.Destination!),
            (t["backup.last-backup"], Event(backup.LastBackup, t["backup.none-yet"])),
            (t["backup.last-drill"], Event(backup.LastRestoreDrill, t["backup.no-drill-yet"])),
        };
        if (backup.LastFailure is { } failure)
            rows.Add((t["backup.last-failure"], t.Get("backup.failure", ("at", failure.At), ("detail", failure.Detail ?? ""))));
        return rows;
    }
}
