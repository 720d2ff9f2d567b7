namespace Appliance.Rag.Sources;

/// <summary>
/// Lists the files under a collection's folder. Symbolic links are followed once (a link back into
/// a folder already walked is a loop and is reported, not followed); hidden files and Office lock
/// files are left out; unreadable folders are reported. A missing root makes the listing
/// incomplete, so a sync never erases documents just because a share was not mounted.
/// </summary>
public static class SourceWalker
{
    public static SourceListing Walk(string collectionId, string root, Origin origin, string pathPrefix = "")
    {
        var files = new List<SourceFile>();
        var problems = new List<SourceProblem>();
        if (!Directory.Exists(root))
        {
            problems.Add(new SourceProblem(collectionId, root, "source folder does not exist (nothing erased)"));
            return new SourceListing(root, files, problems, Complete: false);
        }
        var visited = new HashSet<string>(StringComparer.Ordinal);
        var complete = true;
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var folder = pending.Pop();
            var relativeFolder = Relative(root, folder, pathPrefix);
            var real = RealPath(folder);
            if (real is null || !visited.Add(real))
            {
                problems.Add(new SourceProblem(collectionId, relativeFolder, real is null ? "broken symbolic link" : "symbolic link loop (folder already visited)"));
                continue;
            }
            IEnumerable<FileSystemInfo> entries;
            try
            {
                entries = new DirectoryInfo(folder).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                problems.Add(new SourceProblem(collectionId, relativeFolder, $"cannot read folder: {e.Message}"));
                complete = false;
                continue;
            }
            foreach (var entry in entries)
            {
                if (entry.Name.StartsWith('.') || entry.Name.StartsWith("~$", StringComparison.Ordinal)) continue;
                var relative = Relative(root, entry.FullName, pathPrefix);
                if (entry is DirectoryInfo) { pending.Push(entry.FullName); continue; }
                var file = (FileInfo)entry;
                if (file.LinkTarget is not null)
                {
                    var target = file.ResolveLinkTarget(returnFinalTarget: true);
                    if (target is null || !target.Exists)
                    {
                        problems.Add(new SourceProblem(collectionId, relative, "broken symbolic link"));
                        continue;
                    }
                    if (target is DirectoryInfo) { pending.Push(entry.FullName); continue; }
                    file = (FileInfo)target;
                }
                files.Add(new SourceFile(collectionId, entry.FullName, relative, origin, file.Length, file.LastWriteTimeUtc.Ticks));
            }
        }
        return new SourceListing(root, files, problems, complete);
    }

    private static string Relative(string root, string path, string prefix) =>
        prefix + Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/');

    private static string? RealPath(string folder)
    {
        try
        {
            var info = new DirectoryInfo(folder);
            if (info.LinkTarget is null) return info.FullName;
            return info.ResolveLinkTarget(returnFinalTarget: true) is { Exists: true } target ? target.FullName : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
