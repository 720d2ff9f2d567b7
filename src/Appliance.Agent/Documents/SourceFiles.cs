using Appliance.Config;
using Appliance.Rag;

namespace Appliance.Agent.Documents;

/// <summary>Finds the file behind a listed document (a source folder or the uploads folder), never outside them.</summary>
public sealed class SourceFiles(ApplianceConfig config, string configDirectory)
{
    private const string UploadPrefix = "uploads/";

    public string? Locate(DocumentInfo document)
    {
        var collection = config.Rag.Collections.FirstOrDefault(c => c.Id == document.CollectionId);
        if (collection is null) return null;
        var roots = document.Path.StartsWith(UploadPrefix, StringComparison.Ordinal)
            ? [(Path.Combine(ConfigPaths.DataFolder(config, configDirectory), "uploads", collection.Id), document.Path[UploadPrefix.Length..])]
            : collection.Sources.Select(s => (ConfigPaths.CollectionSource(configDirectory, s), document.Path)).ToList();
        foreach (var (root, relative) in roots)
        {
            var full = Path.GetFullPath(Path.Combine(root, relative));
            var inside = full.StartsWith(Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);
            if (inside && File.Exists(full)) return full;
        }
        return null;
    }

    public static string ContentType(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".pdf" => "application/pdf",
        ".txt" or ".md" or ".markdown" or ".csv" or ".html" or ".htm" => "text/plain; charset=utf-8",
        ".docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _ => "application/octet-stream",
    };
}
