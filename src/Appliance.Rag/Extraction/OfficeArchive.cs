using System.IO.Compression;
using DocumentFormat.OpenXml.Packaging;

namespace Appliance.Rag.Extraction;

/// <summary>
/// Office files are zip archives: checks one before it is opened, so a zip bomb or a renamed
/// binary is refused with a reason instead of exhausting memory or crashing the run.
/// </summary>
internal static class OfficeArchive
{
    private const long MaxExpandedBytes = 512L * 1024 * 1024;
    private const int MaxRatio = 100;
    private const int MaxEntries = 20_000;

    public static void Check(string path)
    {
        var compressed = new FileInfo(path).Length;
        try
        {
            using var zip = ZipFile.OpenRead(path);
            if (zip.Entries.Count > MaxEntries)
                throw new ExtractionException($"refused: the archive holds {zip.Entries.Count} entries (limit {MaxEntries})");
            long expanded = 0;
            foreach (var entry in zip.Entries) expanded += entry.Length;
            if (expanded > MaxExpandedBytes || (expanded > 10 * 1024 * 1024 && expanded / Math.Max(1, compressed) > MaxRatio))
                throw new ExtractionException(
                    $"refused: expands from {compressed / 1024} KB to {expanded / (1024 * 1024)} MB (zip bomb?)");
        }
        catch (InvalidDataException e)
        {
            throw new ExtractionException($"not a valid Office file (damaged or not a zip archive): {e.Message}", e);
        }
    }

    /// <summary>Opens a package, turning the SDK's format errors into a per-file reason.</summary>
    public static T Open<T>(string path, Func<string, T> open) where T : OpenXmlPackage
    {
        Check(path);
        try
        {
            return open(path);
        }
        catch (Exception e) when (e is OpenXmlPackageException or InvalidDataException or IOException or System.Xml.XmlException or FileFormatException)
        {
            throw new ExtractionException($"not a valid Office file: {e.Message}", e);
        }
    }
}
