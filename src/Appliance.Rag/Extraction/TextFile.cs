using System.Text;

namespace Appliance.Rag.Extraction;

/// <summary>Reads a file that claims to be text, refusing binaries disguised by their extension.</summary>
internal static class TextFile
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static async Task<string> ReadAsync(string path, CancellationToken cancellationToken)
    {
        // Text files hold at least one byte per character in every encoding we read but UTF-16,
        // so a file over twice the limit is refused before it is read into memory.
        var length = new FileInfo(path).Length;
        if (length > 2L * ExtractedDocument.MaxCharacters)
            throw TooMuchText(length / 1_000_000.0, "MB of text");
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        // Windows editors still save "Unicode" text as UTF-16 with a byte-order mark.
        if (bytes.AsSpan().StartsWith(stackalloc byte[] { 0xFF, 0xFE }))
            return Normalize(Encoding.Unicode.GetString(bytes, 2, bytes.Length - 2));
        if (bytes.AsSpan().StartsWith(stackalloc byte[] { 0xFE, 0xFF }))
            return Normalize(Encoding.BigEndianUnicode.GetString(bytes, 2, bytes.Length - 2));
        var probe = bytes.AsSpan(0, Math.Min(bytes.Length, 64 * 1024));
        if (probe.IndexOf((byte)0) >= 0)
            throw new ExtractionException("binary content (NUL bytes) in a file named as text");
        var start = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        try
        {
            return Normalize(StrictUtf8.GetString(bytes, start, bytes.Length - start));
        }
        catch (DecoderFallbackException)
        {
            // Not UTF-8: office machines still produce Windows-1252 / Latin-1 text. Accept it only when
            // it looks like prose, so random bytes are still refused.
            var latin = Encoding.Latin1.GetString(bytes);
            var controls = latin.Count(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t' or '\f'));
            if (controls > latin.Length / 100)
                throw new ExtractionException("binary content (neither UTF-8 nor Latin-1 text) in a file named as text");
            return Normalize(latin);
        }
    }

    public static ExtractionException TooMuchText(double amount, string unit) =>
        new($"too much text for one document: {amount:0.#} {unit} (the limit is {ExtractedDocument.MaxCharacters / 1_000_000} million characters, " +
            "about 10,000 pages); split it into smaller files");

    private static string Normalize(string text) => text.Replace("\r\n", "\n").Replace('\r', '\n');

    /// <summary>Paragraphs separated by blank lines, each with its whitespace tidied.</summary>
    public static IEnumerable<string> Paragraphs(string text) =>
        text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Trim('\n', ' ', '\t'))
            .Where(p => p.Length > 0);

    /// <summary>Collapses runs of whitespace to one space.</summary>
    public static string Collapse(string text)
    {
        var builder = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || c == '\u00A0') { space = builder.Length > 0; continue; }
            if (space) builder.Append(' ');
            space = false;
            builder.Append(c);
        }
        return builder.ToString();
    }

    public static string TitleFromFileName(string path) =>
        Path.GetFileNameWithoutExtension(path).Replace('_', ' ').Replace('-', ' ');
}
