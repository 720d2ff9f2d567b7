namespace Appliance.SampleDocs;

/// <summary>Builds the sample office folder: text sources copied as they are, the rest rendered into office formats.</summary>
public static class SampleOffice
{
    /// <summary>Writes <c>output/&lt;collection&gt;/…</c> from <c>sources/&lt;collection&gt;</c> and <c>sources/generated/&lt;collection&gt;</c>.</summary>
    /// <returns>Every file written, relative to <paramref name="output"/>.</returns>
    public static IReadOnlyList<string> Generate(string sources, string output)
    {
        var written = new List<string>();
        foreach (var collection in new[] { "handbook", "hr" })
        {
            var target = Path.Combine(output, collection);
            Directory.CreateDirectory(target);
            foreach (var file in Directory.GetFiles(Path.Combine(sources, collection)))
            {
                File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
                written.Add($"{collection}/{Path.GetFileName(file)}");
            }
            foreach (var file in Directory.GetFiles(Path.Combine(sources, "generated", collection), "*.md"))
            {
                var name = Path.GetFileNameWithoutExtension(file); // "it-security.pdf"
                var document = SourceDocument.Parse(File.ReadAllText(file));
                var destination = Path.Combine(target, name);
                switch (Path.GetExtension(name))
                {
                    case ".pdf": PdfRenderer.Write(document, destination); break;
                    case ".docx": WordRenderer.Write(document, destination); break;
                    case ".xlsx": SpreadsheetRenderer.Write(document, destination); break;
                    case ".pptx": SlidesRenderer.Write(document, destination); break;
                    default: throw new InvalidOperationException($"{file}: name it <name>.<pdf|docx|xlsx|pptx>.md");
                }
                written.Add($"{collection}/{name}");
            }
        }
        return written;
    }

    /// <summary>The repository root, found from the program's folder (the one holding Appliance.slnx).</summary>
    public static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "Appliance.slnx"))) return folder.FullName;
        throw new InvalidOperationException("cannot find the repository root (no Appliance.slnx above the program)");
    }
}
