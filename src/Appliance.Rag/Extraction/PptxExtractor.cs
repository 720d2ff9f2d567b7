using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Presentation;
using Drawing = DocumentFormat.OpenXml.Drawing;

namespace Appliance.Rag.Extraction;

/// <summary>Presentations: each slide is a "page" (slide number) whose title is its section; speaker notes included.</summary>
public sealed class PptxExtractor : IDocumentExtractor
{
    public IReadOnlyCollection<string> Extensions { get; } = [".pptx"];

    public Task<ExtractedDocument> ExtractAsync(string path, CancellationToken cancellationToken)
    {
        using var package = OfficeArchive.Open(path, p => PresentationDocument.Open(p, false));
        var presentation = package.PresentationPart ?? throw new ExtractionException("not a valid presentation: no slides part");
        var blocks = new List<TextBlock>();
        var number = 0;
        string? firstTitle = null;
        foreach (var slideId in presentation.Presentation.SlideIdList?.Elements<SlideId>() ?? [])
        {
            cancellationToken.ThrowIfCancellationRequested();
            number++;
            if (slideId.RelationshipId?.Value is not { } id || presentation.GetPartById(id) is not SlidePart slide) continue;
            string? slideTitle = null;
            var texts = new List<string>();
            foreach (var shape in slide.Slide.Descendants<Shape>())
            {
                var paragraphs = shape.TextBody?.Elements<Drawing.Paragraph>()
                    .Select(p => TextFile.Collapse(string.Concat(p.Descendants<Drawing.Text>().Select(t => t.Text))))
                    .Where(p => p.Length > 0).ToList() ?? [];
                if (paragraphs.Count == 0) continue;
                var placeholder = shape.NonVisualShapeProperties?.ApplicationNonVisualDrawingProperties?
                    .GetFirstChild<PlaceholderShape>()?.Type?.Value;
                if (slideTitle is null && (placeholder == PlaceholderValues.Title || placeholder == PlaceholderValues.CenteredTitle))
                    slideTitle = string.Join(" ", paragraphs);
                else texts.AddRange(paragraphs);
            }
            var notes = slide.NotesSlidePart?.NotesSlide.Descendants<Drawing.Text>().Select(t => t.Text);
            if (notes is not null && TextFile.Collapse(string.Concat(notes)) is { Length: > 0 } note) texts.Add(note);
            firstTitle ??= slideTitle;
            IReadOnlyList<string> section = slideTitle is null ? [] : [slideTitle];
            if (texts.Count == 0 && slideTitle is not null) texts.Add(slideTitle);
            foreach (var text in texts) blocks.Add(new TextBlock(text, number, section));
        }
        var title = package.PackageProperties.Title;
        return Task.FromResult(new ExtractedDocument(
            !string.IsNullOrWhiteSpace(title) ? title : firstTitle ?? TextFile.TitleFromFileName(path), "pptx", blocks));
    }
}
