using System.IO.Compression;
using System.Text;

namespace Appliance.Testing;

/// <summary>
/// PDFs built byte by byte to break a parser (PDF writers refuse to make them): each is a valid
/// file with one page saying <c>marker</c> that a reader without limits would crash or drown on.
/// </summary>
internal static class HostilePdf
{
    /// <summary>
    /// The page sits under 50,000 nested page-tree nodes: PdfPig walks the tree recursively and its
    /// stack overflows, which no catch survives — the process dies.
    /// </summary>
    public static void DeepPageTree(string path, string marker, int depth = 50_000)
    {
        var objects = new List<string> { "<< /Type /Catalog /Pages 2 0 R >>" };
        for (var i = 0; i < depth; i++)
        {
            var self = 2 + i;
            var parent = i == 0 ? "" : $"/Parent {self - 1} 0 R ";
            objects.Add($"<< /Type /Pages {parent}/Kids [{self + 1} 0 R] /Count 1 >>");
        }
        var page = 2 + depth;
        objects.Add($"<< /Type /Page /Parent {page - 1} 0 R /MediaBox [0 0 612 792] /Contents {page + 1} 0 R /Resources << /Font << /F1 {page + 2} 0 R >> >> >>");
        objects.Add(Stream(Encoding.ASCII.GetBytes($"BT /F1 12 Tf 72 720 Td ({marker}) Tj ET"), filter: null));
        objects.Add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
        Write(path, objects);
    }

    /// <summary>A 1.5 MB file whose page content inflates to 1.5 GB of spaces before its text: a decompression bomb.</summary>
    public static void Bomb(string path, string marker)
    {
        var compressed = new MemoryStream();
        using (var deflate = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var spaces = new byte[1 << 20];
            Array.Fill(spaces, (byte)' ');
            for (var i = 0; i < 1536; i++) deflate.Write(spaces);
            deflate.Write(Encoding.ASCII.GetBytes($"BT /F1 12 Tf 72 720 Td ({marker}) Tj ET"));
        }
        Write(path,
        [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            Stream(compressed.ToArray(), "/FlateDecode"),
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]);
    }

    /// <summary>
    /// A 60 KB file whose page content inflates to three million drawing operations before its text:
    /// PdfPig takes 3–4 s and ~450 MB over it — a stand-in for a parser that never finishes.
    /// </summary>
    public static void Slow(string path, string marker, int operations = 3_000_000)
    {
        var compressed = new MemoryStream();
        using (var deflate = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var step = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("1 0 0 1 0 0 cm ", 10_000)));
            for (var i = 0; i < operations / 10_000; i++) deflate.Write(step);
            deflate.Write(Encoding.ASCII.GetBytes($"BT /F1 12 Tf 72 720 Td ({marker}) Tj ET"));
        }
        Write(path,
        [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            Stream(compressed.ToArray(), "/FlateDecode"),
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]);
    }

    /// <summary>A stream object; its bytes travel as Latin-1 so every byte value survives the string.</summary>
    private static string Stream(byte[] data, string? filter) =>
        $"<< /Length {data.Length}{(filter is null ? "" : " /Filter " + filter)} >>\nstream\n{Encoding.Latin1.GetString(data)}\nendstream";

    private static void Write(string path, IReadOnlyList<string> objects)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        var offsets = new long[objects.Count];
        void Put(string text) => file.Write(Encoding.Latin1.GetBytes(text));
        Put("%PDF-1.4\n");
        for (var i = 0; i < objects.Count; i++)
        {
            offsets[i] = file.Position;
            Put($"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }
        var xref = file.Position;
        var table = new StringBuilder($"xref\n0 {objects.Count + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets) table.Append($"{offset:D10} 00000 n \n");
        Put(table.ToString());
        Put($"trailer\n<< /Size {objects.Count + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
    }
}
