using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;

namespace Appliance.SampleDocs;

/// <summary>
/// Scans made from known text, as a flatbed scanner would make them: the lines set in DejaVu Sans
/// (PDFsharp), rasterised in grey (300 dpi unless asked otherwise) by poppler's pdftoppm (tests only; Debian poppler-utils),
/// turned by a slight angle and sprinkled with noise, saved as a PNG and as an image-only PDF.
/// </summary>
public static class ScanRenderer
{
    public const int Dpi = 300;

    /// <param name="degrees">how crooked the sheet lay on the glass</param>
    /// <param name="noise">standard deviation of the grey noise, 0–255</param>
    /// <param name="dpi">the scanner's resolution (a fax is 200 × 100 or 200 × 200)</param>
    public static void Write(IReadOnlyList<string> lines, string png, string? pdf = null, double degrees = 1.2, double noise = 24,
        int seed = 7, double fontSize = 12, int dpi = Dpi)
    {
        var folder = Directory.CreateTempSubdirectory("scan-render-").FullName;
        try
        {
            var typeset = Path.Combine(folder, "typeset.pdf");
            Typeset(lines, typeset, fontSize);
            var (width, height, pixels) = Rasterise(typeset, Path.Combine(folder, "page"), dpi);
            pixels = Scanned(width, height, pixels, degrees, noise, seed);
            File.WriteAllBytes(png, Png(width, height, pixels, dpi));
            if (pdf is not null) ImageOnlyPdf(png, width, height, dpi, pdf);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A page just large enough for the lines, with an inch of margin.</summary>
    private static void Typeset(IReadOnlyList<string> lines, string path, double fontSize)
    {
        GlobalFontSettings.FontResolver ??= new PdfRenderer.SystemFontResolver();
        using var document = new PdfDocument();
        var page = document.AddPage();
        var leading = fontSize * 1.5;
        page.Width = XUnit.FromInch(8.27);
        page.Height = XUnit.FromPoint(2 * 72 + leading * lines.Count);
        using var g = XGraphics.FromPdfPage(page);
        var font = new XFont("DejaVu Sans", fontSize);
        for (var i = 0; i < lines.Count; i++)
            g.DrawString(lines[i], font, XBrushes.Black, new XPoint(72, 72 + leading * (i + 1)));
        document.Save(path);
    }

    private static (int Width, int Height, byte[] Pixels) Rasterise(string pdf, string prefix, int dpi)
    {
        var start = new ProcessStartInfo("pdftoppm") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-r", $"{dpi}", "-gray", "-singlefile", pdf, prefix }) start.ArgumentList.Add(argument);
        using (var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start pdftoppm (Debian: apt-get install poppler-utils)"))
        {
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException($"pdftoppm failed: {error}");
        }
        // PGM: "P5", width, height, maximum, then one byte per pixel.
        var bytes = File.ReadAllBytes(prefix + ".pgm");
        var at = 0;
        string Field()
        {
            while (char.IsWhiteSpace((char)bytes[at])) at++;
            var begin = at;
            while (!char.IsWhiteSpace((char)bytes[at])) at++;
            return Encoding.ASCII.GetString(bytes, begin, at - begin);
        }
        if (Field() != "P5") throw new InvalidOperationException("pdftoppm -gray did not write a binary PGM");
        var (width, height) = (int.Parse(Field()), int.Parse(Field()));
        Field();
        at++;
        return (width, height, bytes[at..(at + width * height)]);
    }

    /// <summary>The page turned about its centre (bilinear, white behind it), plus Gaussian grain and dust specks.</summary>
    private static byte[] Scanned(int width, int height, byte[] pixels, double degrees, double noise, int seed)
    {
        var random = new Random(seed);
        var (sin, cos) = Math.SinCos(degrees * Math.PI / 180);
        var (cx, cy) = (width / 2.0, height / 2.0);
        var output = new byte[pixels.Length];
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var sx = cos * (x - cx) + sin * (y - cy) + cx;
                var sy = -sin * (x - cx) + cos * (y - cy) + cy;
                var value = Sample(pixels, width, height, sx, sy);
                var gauss = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                value += gauss * noise;
                if (random.NextDouble() < 0.0005) value = 40; // dust
                output[y * width + x] = (byte)Math.Clamp(value, 0, 255);
            }
        return output;
    }

    private static double Sample(byte[] pixels, int width, int height, double x, double y)
    {
        var (x0, y0) = ((int)Math.Floor(x), (int)Math.Floor(y));
        double At(int px, int py) => px < 0 || py < 0 || px >= width || py >= height ? 255 : pixels[py * width + px];
        var (fx, fy) = (x - x0, y - y0);
        return (At(x0, y0) * (1 - fx) + At(x0 + 1, y0) * fx) * (1 - fy) + (At(x0, y0 + 1) * (1 - fx) + At(x0 + 1, y0 + 1) * fx) * fy;
    }

    /// <summary>An 8-bit grey PNG that records its resolution (pHYs), as scanners write them.</summary>
    private static byte[] Png(int width, int height, byte[] pixels, int dpi)
    {
        var output = new MemoryStream();
        output.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bits per sample; colour type 0 (grey), default compression, filter and interlace
        Chunk(output, "IHDR", header);
        var physical = new byte[9];
        var perMetre = (int)Math.Round(dpi / 0.0254);
        BinaryPrimitives.WriteInt32BigEndian(physical, perMetre);
        BinaryPrimitives.WriteInt32BigEndian(physical.AsSpan(4), perMetre);
        physical[8] = 1; // unit: metre
        Chunk(output, "pHYs", physical);
        var raw = new MemoryStream();
        using (var zlib = new ZLibStream(raw, CompressionLevel.Fastest, leaveOpen: true))
            for (var y = 0; y < height; y++)
            {
                zlib.WriteByte(0); // no filter
                zlib.Write(pixels, y * width, width);
            }
        Chunk(output, "IDAT", raw.ToArray());
        Chunk(output, "IEND", []);
        return output.ToArray();
    }

    private static void Chunk(Stream output, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        output.Write(length);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        output.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(length, Crc32(typed));
        output.Write(length);
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }

    /// <summary>A PDF whose only page is the scan, at its real size: what a copier's scan-to-PDF makes.</summary>
    private static void ImageOnlyPdf(string png, int width, int height, int dpi, string path)
    {
        using var document = new PdfDocument();
        var page = document.AddPage();
        page.Width = XUnit.FromInch(width / (double)dpi);
        page.Height = XUnit.FromInch(height / (double)dpi);
        using (var g = XGraphics.FromPdfPage(page))
        using (var image = XImage.FromFile(png))
            g.DrawImage(image, 0, 0, page.Width.Point, page.Height.Point);
        document.Save(path);
    }
}
