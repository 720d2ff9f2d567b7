using System.Diagnostics;
using System.Text.RegularExpressions;
using Appliance.Exec;

namespace Appliance.Rag.Bench;

/// <summary>
/// The anchor: Xapian's omindex over the same corpus and its `quest` tool with default settings
/// (BM25, OR) and the stemmer of the set's language, so our figures are read against a standard
/// engine on the same data. The same stemmer must index and query, or stemmed terms never meet.
/// </summary>
public sealed partial class XapianAnchor(ICommandRunner runner, string database, string stemmer = "english")
{
    public async Task<TimeSpan> IndexAsync(string corpus, CancellationToken ct)
    {
        if (Directory.Exists(database)) Directory.Delete(database, recursive: true);
        var clock = Stopwatch.StartNew();
        await runner.RunAsync(Command.Of("omindex", "--db", database, "--url", "/", "--stemmer", stemmer, corpus).WithTimeout(TimeSpan.FromMinutes(20)), ct)
            .ContinueWith(t => t.Result.EnsureSuccess(), ct);
        return clock.Elapsed;
    }

    /// <summary>Document paths (relative to the corpus) in Xapian's order.</summary>
    public async Task<IReadOnlyList<string>> SearchAsync(string query, int k, CancellationToken ct)
    {
        var result = (await runner.RunAsync(Command.Of("quest", "-d", database, "-s", stemmer, "-m", k.ToString(), query), ct)).EnsureSuccess();
        return [.. Url().Matches(result.StandardOutput).Select(m => Uri.UnescapeDataString(m.Groups[1].Value).TrimStart('/'))];
    }

    [GeneratedRegex(@"url=([^\s\]]+)")]
    private static partial Regex Url();
}
