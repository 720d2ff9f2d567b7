using System.Globalization;
using Appliance.Audit.Evidence;
using Appliance.Audit.Pack;
using Appliance.Audit.Text;

namespace Appliance.Audit.Render;

/// <summary>index.html: one self-contained, printable page (inline CSS and SVG, no external requests), in the pack's language.</summary>
public sealed class HtmlReport
{
    private readonly TextTemplate _page;
    private readonly TextTemplate _diagram;

    /// <summary>Both templates declare HTML as their output language: every value is HTML-escaped.</summary>
    public HtmlReport(string templateFolder)
    {
        _page = TextTemplate.Load(Path.Combine(templateFolder, "index.html.sbn"));
        _diagram = TextTemplate.Load(Path.Combine(templateFolder, "dataflow.svg.sbn"));
    }

    /// <summary>The templates shipped beside the program (copied from templates/audit at build).</summary>
    public static HtmlReport FromShippedTemplates() => new(Path.Combine(AppContext.BaseDirectory, "templates", "audit"));

    /// <param name="check">how to check the pack: its manifest's hash and signature, which this page (outside the manifest) can state</param>
    public string Render(AuditEvidence evidence, PackCheck check)
    {
        var t = PackText.Of(evidence.Pack);
        var model = TemplateModel.From(evidence);
        var functions = Functions(t);
        model["diagram"] = RenderDiagram(evidence, functions);
        model["lang"] = t.Code;
        model["zone"] = t.ZoneName;
        var period = AuditPeriod.Parse(evidence.Pack.Period);
        model["period_text"] = t.Period(period.From, period.To);
        model["sections"] = PackText.SectionIds.Select((id, i) => new Dictionary<string, object?> { ["id"] = id, ["title"] = $"{i + 1}. {t.Get("section." + id)}" }).ToList();
        model["journal_rows"] = evidence.Controls.Journal.Select(j => new Dictionary<string, object?>
        {
            ["at"] = t.Time(j.At), ["user"] = j.User, ["host"] = j.Host, ["generation"] = t.Number(j.Generation), ["action"] = j.Action,
            ["changed"] = PdfReport.JournalChanged(t, j), ["result"] = PdfReport.JournalResult(t, j), ["failed"] = j.Failures.Count > 0,
        }).ToList();
        model["backup_rows"] = PdfReport.BackupRows(t, evidence.Backup).Select(r => new Dictionary<string, object?> { ["label"] = r.Label, ["value"] = r.Value }).ToList();
        model["erasure_rows"] = evidence.Erasures.Select(x => new Dictionary<string, object?>
        {
            ["at"] = t.Time(x.At), ["user"] = x.User, ["collection"] = x.Collection, ["path"] = x.Path, ["sha"] = x.DocumentSha256, ["chunks"] = t.Number(x.ChunksRemoved),
        }).ToList();
        model["pass_rate"] = evidence.Controls.Results.Count == 0 ? t["controls.none"]
            : t.Get("controls.pass-rate", ("passed", evidence.Controls.Passed), ("total", evidence.Controls.Results.Count));
        var usage = evidence.Usage;
        model["usage_mode"] = t.Get("usage.mode", ("mode", usage.QuestionTextMode));
        model["usage_exported"] = usage.EvidenceExportedAt is { } exported ? t.Get("usage.exported", ("at", exported)) : "";
        model["usage_queries"] = t.Get("usage.queries.value", ("total", usage.TotalQueries), ("answered", usage.Answered), ("refused", usage.Refused));
        model["check"] = new Dictionary<string, object?>
        {
            ["manifest_sha256"] = check.ManifestSha256, ["signature"] = check.Signature, ["fingerprint"] = check.KeyFingerprint,
            ["public_key_pem"] = check.PublicKeyPem, ["files"] = check.Files.Select(f => new Dictionary<string, object?> { ["path"] = f.Path, ["sha256"] = f.Sha256 }).ToList(),
        };
        return _page.Render(model, functions);
    }

    private static Dictionary<string, Delegate> Functions(PackText t) => new(StringComparer.Ordinal)
    {
        ["t"] = new Func<string, string>(key => t[key]),
        ["time"] = new Func<string?, string>(iso => iso is null ? "" : t.Time(DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture))),
        ["day"] = new Func<string?, string>(iso => iso is null ? "" : t.Day(DateOnly.ParseExact(iso, "yyyy-MM-dd", CultureInfo.InvariantCulture))),
        ["num"] = new Func<object?, string>(n => n is null ? "" : t.Number(Convert.ToInt64(n, CultureInfo.InvariantCulture))),
        ["bytes"] = new Func<object?, string>(n => n is null ? "" : t.Bytes(Convert.ToInt64(n, CultureInfo.InvariantCulture))),
        ["kind"] = new Func<string, string>(t.Kind),
        ["art32"] = new Func<string, string>(t.Article32),
    };

    /// <summary>
    /// The data-flow diagram as SVG: the steps' stations in a row, then exactly the lists the section
    /// prints below it (what crosses the network, what never leaves), line by line.
    /// </summary>
    public string RenderDiagram(AuditEvidence evidence) => RenderDiagram(evidence, Functions(PackText.Of(evidence.Pack)));

    private string RenderDiagram(AuditEvidence evidence, IReadOnlyDictionary<string, Delegate> functions)
    {
        var steps = evidence.DataFlow.Steps;
        // The pipeline's stations in the order the steps name them (from the sources to the employee).
        string[] nodes = [steps[0].From, steps[0].To, steps[1].To, steps[3].To, steps[4].To, steps[5].To];
        var boxes = nodes.Select((name, i) => new Dictionary<string, object?> { ["x"] = 10 + i * 150, ["cx"] = 70 + i * 150, ["name"] = name }).ToList();
        var arrows = Enumerable.Range(0, nodes.Length - 1).Select(i => new Dictionary<string, object?> { ["x1"] = 130 + i * 150, ["x2"] = 160 + i * 150 }).ToList();
        var crossing = evidence.DataFlow.CrossesTheNetwork.Select((line, i) => new Dictionary<string, object?> { ["y"] = 198 + i * 18, ["text"] = line }).ToList();
        var neverTop = 198 + crossing.Count * 18 + 8;
        return _diagram.Render(new Dictionary<string, object?>
        {
            ["boxes"] = boxes, ["arrows"] = arrows, ["crossing"] = crossing,
            ["never_title_y"] = neverTop, ["never_y"] = neverTop + 18, ["height"] = neverTop + 30,
            ["never_leaves"] = string.Join(" · ", evidence.DataFlow.NeverLeaves),
            ["query_log"] = PackText.Of(evidence.Pack).Get("flow.diagram.query-log", ("mode", evidence.Usage.QuestionTextMode)),
        }, functions);
    }
}
