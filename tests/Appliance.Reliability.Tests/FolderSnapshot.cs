namespace Appliance.Reliability.Tests;

/// <summary>Every file below a folder with its size and modification time, to prove a run wrote nothing there.</summary>
internal static class FolderSnapshot
{
    /// <param name="except">a subfolder left out (the data folder, where writing is the point)</param>
    public static string Of(string folder, string? except) =>
        string.Join('\n', Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Where(f => except is null || !f.StartsWith(except + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Where(f => Path.GetFileName(f) != "agent.log")
            .Order(StringComparer.Ordinal)
            .Select(f => $"{f} {new FileInfo(f).Length} {File.GetLastWriteTimeUtc(f):O}"));
}
