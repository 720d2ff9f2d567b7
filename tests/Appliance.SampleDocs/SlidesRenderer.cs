using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Presentation;
using A = DocumentFormat.OpenXml.Drawing;

namespace Appliance.SampleDocs;

/// <summary>
/// Renders a source document as a PowerPoint deck: a title slide, then one slide per section with
/// a title placeholder and a body text box. The master and layout are minimal (no theme), which
/// LibreOffice and the appliance read; it is sample data, not a template.
/// </summary>
public static class SlidesRenderer
{
    public static void Write(SourceDocument source, string path)
    {
        using var document = PresentationDocument.Create(path, PresentationDocumentType.Presentation);
        document.PackageProperties.Title = source.Title;
        var presentation = document.AddPresentationPart();
        var master = presentation.AddNewPart<SlideMasterPart>("rIdMaster");
        var layout = master.AddNewPart<SlideLayoutPart>("rIdLayout");
        layout.SlideLayout = new SlideLayout(new CommonSlideData(EmptyTree()));
        layout.AddPart(master, "rIdMasterOfLayout");
        master.SlideMaster = new SlideMaster(
            new CommonSlideData(EmptyTree()),
            new ColorMap { Background1 = A.ColorSchemeIndexValues.Light1, Text1 = A.ColorSchemeIndexValues.Dark1,
                Background2 = A.ColorSchemeIndexValues.Light2, Text2 = A.ColorSchemeIndexValues.Dark2,
                Accent1 = A.ColorSchemeIndexValues.Accent1, Accent2 = A.ColorSchemeIndexValues.Accent2,
                Accent3 = A.ColorSchemeIndexValues.Accent3, Accent4 = A.ColorSchemeIndexValues.Accent4,
                Accent5 = A.ColorSchemeIndexValues.Accent5, Accent6 = A.ColorSchemeIndexValues.Accent6,
                Hyperlink = A.ColorSchemeIndexValues.Hyperlink, FollowedHyperlink = A.ColorSchemeIndexValues.FollowedHyperlink },
            new SlideLayoutIdList(new SlideLayoutId { Id = 2147483649U, RelationshipId = "rIdLayout" }));

        var slideIds = new SlideIdList();
        uint id = 256;
        var slides = new List<(string Title, string Body)> { (source.Title, "Berger & Partner — fictional sample deck") };
        slides.AddRange(source.Sections.Select(s => (s.Heading, string.Join("\n", s.Blocks.OfType<SourceParagraph>().Select(p => p.Text)))));
        foreach (var (title, body) in slides)
        {
            var part = presentation.AddNewPart<SlidePart>($"rIdSlide{id}");
            part.AddPart(layout);
            var tree = EmptyTree();
            tree.Append(TextShape(2, "Title", PlaceholderValues.Title, [title]));
            tree.Append(TextShape(3, "Body", PlaceholderValues.Body, body.Split('\n')));
            part.Slide = new Slide(new CommonSlideData(tree));
            slideIds.Append(new SlideId { Id = id, RelationshipId = $"rIdSlide{id}" });
            id++;
        }
        presentation.Presentation = new Presentation(
            new SlideMasterIdList(new SlideMasterId { Id = 2147483648U, RelationshipId = "rIdMaster" }),
            slideIds,
            new SlideSize { Cx = 12192000, Cy = 6858000 },
            new NotesSize { Cx = 6858000, Cy = 9144000 });
        presentation.Presentation.Save();
    }

    private static ShapeTree EmptyTree() => new(
        new NonVisualGroupShapeProperties(
            new NonVisualDrawingProperties { Id = 1U, Name = "" },
            new NonVisualGroupShapeDrawingProperties(),
            new ApplicationNonVisualDrawingProperties()),
        new GroupShapeProperties(new A.TransformGroup()));

    private static Shape TextShape(uint id, string name, PlaceholderValues placeholder, IEnumerable<string> paragraphs)
    {
        var body = new TextBody(new A.BodyProperties(), new A.ListStyle());
        foreach (var text in paragraphs)
            body.Append(new A.Paragraph(new A.Run(new A.RunProperties { Language = "en-US" }, new A.Text(text))));
        return new Shape(
            new NonVisualShapeProperties(
                new NonVisualDrawingProperties { Id = id, Name = name },
                new NonVisualShapeDrawingProperties(new A.ShapeLocks { NoGrouping = true }),
                new ApplicationNonVisualDrawingProperties(new PlaceholderShape { Type = placeholder })),
            new ShapeProperties(),
            body);
    }
}
