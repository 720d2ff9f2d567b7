using System.Text.RegularExpressions;
using Markdig;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace Appliance.Rag.Extraction;

/// <summary>Markdown: each block under the path of headings above it; the first H1 is the title.</summary>
public sealed partial class MarkdownExtractor : IDocumentExtractor
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables().UseYamlFrontMatter().Build();

    public IReadOnlyCollection<string> Extensions { get; } = [".md", ".markdown"];

    public async Task<ExtractedDocument> ExtractAsync(string path, CancellationToken cancellationToken)
    {
        var text = await TextFile.ReadAsync(path, cancellationToken);
        var document = Markdown.Parse(text, Pipeline);
        var headings = new HeadingTrail();
        string? title = null;
        var blocks = new List<TextBlock>();
        foreach (var block in document)
        {
            if (block is YamlFrontMatterBlock) continue;
            if (block is HeadingBlock heading)
            {
                var name = InlineText(heading.Inline);
                if (heading.Level == 1 && title is null) title = name;
                headings.Enter(heading.Level, name);
                continue;
            }
            var source = Tidy(text.Substring(block.Span.Start, block.Span.Length));
            if (source.Length > 0) blocks.Add(new TextBlock(source, null, headings.Path));
        }
        return new ExtractedDocument(title ?? TextFile.TitleFromFileName(path), "markdown", blocks);
    }

    internal static string InlineText(ContainerInline? inline) =>
        inline is null ? "" : TextFile.Collapse(string.Concat(inline.Descendants().Select(i => i switch
        {
            LiteralInline literal => literal.Content.ToString(),
            CodeInline code => code.Content,
            LineBreakInline => " ",
            _ => "",
        })));

    private static string Tidy(string markdown)
    {
        var text = Link().Replace(markdown, "$1");
        text = Emphasis().Replace(text, "");
        return text.Trim();
    }

    [GeneratedRegex(@"!?\[([^\]]*)\]\([^)]*\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"\*\*|__|`")]
    private static partial Regex Emphasis();
}

/// <summary>The chain of headings above the current position, e.g. ["Leave", "Sick leave"].</summary>
internal sealed class HeadingTrail
{
    private readonly List<(int Level, string Name)> _open = [];

    public void Enter(int level, string name)
    {
        while (_open.Count > 0 && _open[^1].Level >= level) _open.RemoveAt(_open.Count - 1);
        if (name.Length > 0) _open.Add((level, name));
    }

    public IReadOnlyList<string> Path => [.. _open.Select(h => h.Name)];
}
