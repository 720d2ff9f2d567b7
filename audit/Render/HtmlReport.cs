using Appliance.Audit.Evidence;

namespace Appliance.Audit.Render;

/// <summary>index.html: one self-contained, printable page (inline CSS and SVG, no external requests).</summary>
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

    public string Render(AuditEvidence evidence)
    {
        var model = TemplateModel.From(evidence);
        model["diagram"] = RenderDiagram(evidence);
        model["pass_rate"] = evidence.Controls.Results.Count == 0 ? "no controls" : $"{evidence.Controls.Passed} of {evidence.Controls.Results.Count} pass";
        return _page.Render(model);
    }

    /// <summary>The data-flow diagram as SVG: boxes in a row, each arrow labelled with what moves.</summary>
    public string RenderDiagram(AuditEvidence evidence)
    {
        string[] nodes = ["document sources", "ingestion", "index", "retrieval", "model", "employee"];
        var boxes = nodes.Select((name, i) => new Dictionary<string, object?>
        {
            ["x"] = 10 + i * 150, ["cx"] = 70 + i * 150, ["name"] = name,
        }).ToList();
        var arrows = Enumerable.Range(0, nodes.Length - 1).Select(i => new Dictionary<string, object?>
        {
            ["x1"] = 130 + i * 150, ["x2"] = 160 + i * 150,
        }).ToList();
        return _diagram.Render(new Dictionary<string, object?>
        {
            ["boxes"] = boxes, ["arrows"] = arrows,
            ["never_leaves"] = string.Join(" · ", evidence.DataFlow.NeverLeaves),
            ["subnets"] = evidence.DataFlow.CrossesTheNetwork.FirstOrDefault() ?? "",
            ["log_mode"] = evidence.Usage.QuestionTextMode,
        });
    }
}
