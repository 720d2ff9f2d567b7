using PdfSharp.Fonts;

namespace Appliance.Audit.Render;

/// <summary>
/// Gives PdfSharp the DejaVu fonts installed on the system (Debian fonts-dejavu-core; on macOS the
/// bundle ships them beside the program), so no font file is committed to the repository.
/// </summary>
public sealed class SystemFonts : IFontResolver
{
    private static readonly string[] Folders =
    [
        Path.Combine(AppContext.BaseDirectory, "fonts"),
        "/usr/share/fonts/truetype/dejavu",
        "/Library/Fonts",
        "/opt/homebrew/share/fonts",
    ];

    public const string Family = "DejaVu Sans";

    private static readonly Dictionary<string, string> Faces = new(StringComparer.Ordinal)
    {
        ["DejaVuSans"] = "DejaVuSans.ttf",
        ["DejaVuSans-Bold"] = "DejaVuSans-Bold.ttf",
        ["DejaVuSansMono"] = "DejaVuSansMono.ttf",
    };

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) => familyName switch
    {
        "DejaVu Sans Mono" => new FontResolverInfo("DejaVuSansMono"),
        _ => new FontResolverInfo(bold ? "DejaVuSans-Bold" : "DejaVuSans"),
    };

    public byte[]? GetFont(string faceName)
    {
        var file = Faces.GetValueOrDefault(faceName, "DejaVuSans.ttf");
        foreach (var folder in Folders)
        {
            var path = Path.Combine(folder, file);
            if (File.Exists(path)) return File.ReadAllBytes(path);
        }
        throw new FileNotFoundException(
            $"the PDF report needs the font {file}, found in none of {string.Join(", ", Folders)} (on Debian: apt-get install fonts-dejavu-core)");
    }
}
