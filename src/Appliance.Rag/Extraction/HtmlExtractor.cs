using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace Appliance.Rag.Extraction;

/// <summary>
/// HTML: the main content only (navigation, headers, footers, sidebars and scripts are dropped),
/// each paragraph, list item or table row under the path of headings above it.
/// </summary>
public sealed class HtmlExtractor : IDocumentExtractor
{
    private static readonly HashSet<string> Dropped = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "button",
        "select", "iframe", "svg", "canvas", "object", "embed",
    };

    private static readonly string[] BoilerplateWords =
        ["sidebar", "navbar", "nav-", "breadcrumb", "footer", "related", "menu", "cookie", "skip", "headerlink", "toc"];

    private static readonly HashSet<string> BlockElements = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "div", "section", "article", "main", "li", "ul", "ol", "dl", "dt", "dd", "pre", "blockquote",
        "table", "thead", "tbody", "tfoot", "tr", "caption", "figure", "figcaption", "address", "hr", "br",
        "h1", "h2", "h3", "h4", "h5", "h6", "body", "details", "summary",
    };

    public IReadOnlyCollection<string> Extensions { get; } = [".html", ".htm", ".xhtml"];

    public async Task<ExtractedDocument> ExtractAsync(string path, CancellationToken cancellationToken)
    {
        var text = await TextFile.ReadAsync(path, cancellationToken);
        if (HtmlNesting.Depth(text, stopAt: HtmlNesting.Limit) > HtmlNesting.Limit)
            throw new ExtractionException($"HTML nested more than {HtmlNesting.Limit} elements deep: built to stall a parser, not written by a person");
        var document = new HtmlParser().ParseDocument(text);
        var root = document.QuerySelector("main, [role=main], article") ?? document.Body;
        if (root is null) return new ExtractedDocument(TextFile.TitleFromFileName(path), "html", []);

        foreach (var element in root.QuerySelectorAll("*").Where(IsBoilerplate).ToList()) element.Remove();

        var walk = new Walk();
        walk.Visit(root);
        walk.Flush();
        var title = TextFile.Collapse(document.Title ?? "");
        if (title.Length == 0) title = walk.FirstHeading ?? TextFile.TitleFromFileName(path);
        return new ExtractedDocument(title, "html", walk.Blocks);
    }

    private static bool IsBoilerplate(IElement element)
    {
        if (Dropped.Contains(element.LocalName)) return true;
        var role = element.GetAttribute("role");
        if (role is "navigation" or "banner" or "contentinfo" or "search") return true;
        if (element.GetAttribute("aria-hidden") == "true") return true;
        var marks = $"{element.ClassName} {element.Id}".ToLowerInvariant();
        return marks.Trim().Length > 0 && BoilerplateWords.Any(word => marks.Split(' ').Any(m => m.StartsWith(word, StringComparison.Ordinal)));
    }

    private sealed class Walk
    {
        private readonly HeadingTrail _headings = new();
        private readonly StringBuilder _pending = new();
        public List<TextBlock> Blocks { get; } = [];
        public string? FirstHeading { get; private set; }

        public void Visit(INode node)
        {
            foreach (var child in node.ChildNodes)
            {
                if (child is IText textNode) { _pending.Append(textNode.Data); continue; }
                if (child is not IElement element) continue;
                var name = element.LocalName;
                if (!BlockElements.Contains(name)) { Visit(element); continue; }
                Flush();
                if (name.Length == 2 && name[0] == 'h' && char.IsAsciiDigit(name[1]))
                {
                    var heading = Clean(element.TextContent);
                    FirstHeading ??= heading;
                    _headings.Enter(name[1] - '0', heading);
                }
                else if (name == "tr")
                {
                    var cells = element.Children.Select(c => Clean(c.TextContent)).Where(c => c.Length > 0);
                    Add(string.Join(" | ", cells));
                }
                else if (name == "pre")
                {
                    Add(element.TextContent.Trim('\n'));
                }
                else
                {
                    Visit(element);
                    Flush();
                }
            }
        }

        public void Flush()
        {
            Add(Clean(_pending.ToString()));
            _pending.Clear();
        }

        private void Add(string text)
        {
            if (text.Trim().Length > 0) Blocks.Add(new TextBlock(text, null, _headings.Path));
        }

        private static string Clean(string text) => TextFile.Collapse(text.Replace("¶", ""));
    }
}
