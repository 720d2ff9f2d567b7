using System.Diagnostics;
using System.Text.Json;
using Appliance.Soak;
using Xunit.Abstractions;

namespace Appliance.Reliability.Tests;

/// <summary>
/// A folder of hostile documents goes through the real `appliance ingest`: every bad file is skipped
/// with a reason, the good ones are searchable, the process neither crashes nor writes outside the
/// data folder, and the index stays consistent.
/// </summary>
public sealed class HostileDocumentTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Hostile_documents_are_skipped_with_reasons_and_the_rest_is_searchable()
    {
        var memos = Directory.CreateTempSubdirectory("hostile-").FullName;
        try
        {
            HostileCorpus.Write(memos, Path.Combine(SoakBox.RepositoryRoot, ".cache", "sample-office", "handbook", "it-security.pdf"));
            using var box = new SoakBox(users: 1, queueLimit: 4, parallel: 1, memos: memos);
            var before = FolderSnapshot.Of(box.Folder, except: box.DataFolder);
            var sources = FolderSnapshot.Of(memos, except: null);

            var clock = Stopwatch.StartNew();
            var ingest = await AgentProcess.VerbAsync(box, CancellationToken.None, "ingest", "--collection", "memos", "--json");
            output.WriteLine($"ingest exit {ingest.ExitCode} after {clock.Elapsed.TotalSeconds:0.0} s\n{ingest.StandardOutput}\n{ingest.StandardError}");
            Assert.Equal(0, ingest.ExitCode);
            using var report = JsonDocument.Parse(ingest.StandardOutput);
            var skipped = report.RootElement.GetProperty("skipped").EnumerateArray()
                .ToDictionary(s => s.GetProperty("path").GetString()!, s => s.GetProperty("reason").GetString()!);

            Assert.Contains("zip bomb", skipped["bomb.docx"]);
            Assert.Contains("zip bomb", skipped["bomb.xlsx"]);
            Assert.Contains("too much text", skipped["one-line-100mb.txt"]);
            Assert.Contains("nested more than", skipped["nested.html"]);
            Assert.Contains("nested more than", skipped["nested-lists.md"]);
            Assert.Contains("nested", skipped["nested-quotes.md"]);
            Assert.Contains("binary", skipped["random.txt"]);
            Assert.Contains("binary", skipped["broken-utf8.md"]);  // C1 control bytes: neither UTF-8 nor Latin-1 prose
            Assert.Contains("damaged PDF", skipped["truncated.pdf"], StringComparison.OrdinalIgnoreCase);
            // Read in a child process: the crash and the bomb cost that process, not the ingest.
            Assert.Contains("stack overflow", skipped["deep-page-tree.pdf"]);
            Assert.Contains("no text", skipped["bomb.pdf"]);
            foreach (var (path, reason) in skipped) Assert.DoesNotContain("   at ", reason); // reasons, not stack traces
            foreach (var name in HostileCorpus.Ingestible.Keys) Assert.False(skipped.ContainsKey(name), $"{name} was skipped: {skipped.GetValueOrDefault(name)}");

            foreach (var (name, phrase) in HostileCorpus.Ingestible.Where(p => p.Value.Length > 0))
                Assert.Contains(await SearchAsync(box, phrase), hit => hit.Path == name);
            // Its pages equal the handbook's it-security.pdf, so near-duplicate suppression may keep either copy of a page.
            Assert.Contains(await SearchAsync(box, "suspicious e-mails phishing passwords"), hit => hit.Path == "scripted.pdf" && hit.Page >= 1);

            Assert.Equal(before, FolderSnapshot.Of(box.Folder, except: box.DataFolder));
            Assert.Equal(sources, FolderSnapshot.Of(memos, except: null));
            IndexChecks.AssertConsistent(box, "memos");
        }
        finally
        {
            Directory.Delete(memos, recursive: true);
        }
    }

    private sealed record Hit(string Path, int? Page);

    private static async Task<IReadOnlyList<Hit>> SearchAsync(SoakBox box, string query)
    {
        var search = await AgentProcess.VerbAsync(box, CancellationToken.None, "search", query, "--groups", "everyone", "--k", "10", "--json");
        Assert.True(search.Succeeded, search.StandardOutput + search.StandardError);
        using var hits = JsonDocument.Parse(search.StandardOutput);
        return [.. hits.RootElement.EnumerateArray().Select(h => new Hit(h.GetProperty("path").GetString()!,
            h.TryGetProperty("page", out var page) && page.ValueKind == JsonValueKind.Number ? page.GetInt32() : null))];
    }
}
