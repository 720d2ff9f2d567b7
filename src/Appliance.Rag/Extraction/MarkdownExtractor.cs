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
        if (Nesting(text) > NestingLimit)
            throw new ExtractionException($"Markdown nested more than {NestingLimit} levels deep (lists or quotes): built to stall a parser, not written by a person");
        MarkdownDocument document;
        try
        {
            document = Markdown.Parse(text, Pipeline);
        }
        catch (ArgumentException e) when (e.Message.Contains("nested", StringComparison.OrdinalIgnoreCase))
        {
            throw new ExtractionException("Markdown nested too deeply for the parser (lists, quotes or a very large table)", e);
        }
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

    private const int NestingLimit = 256;

    /// <summary>
    /// The deepest list or quote nesting any line opens, from its indentation and its `>` markers.
    /// Markdig refuses deep nesting itself, but only after work that grows with the square of the depth
    /// (3,000 nested list items took it 53 s); this scan is linear and stops such files first.
    /// </summary>
    private static int Nesting(string text)
    {
        var deepest = 0;
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            int width = 0, quotes = 0;
            foreach (var c in line)
            {
                if (c == ' ') width++;
                else if (c == '\t') width += 4;
                else if (c == '>') quotes++;
                else break;
            }
            deepest = Math.Max(deepest, width / 2 + quotes);
        }
        return deepest;
    }
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
