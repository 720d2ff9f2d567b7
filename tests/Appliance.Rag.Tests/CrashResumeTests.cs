using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Appliance.Rag.Tests;

/// <summary>Killing `appliance ingest` mid-run leaves every document whole or absent; the next run finishes the job.</summary>
[Collection(SampleOfficeCollection.Name)]
public sealed class CrashResumeTests(SampleOfficeFixture office)
{
    private const int Files = 2000;

    [Fact]
    public async Task A_killed_ingest_leaves_a_consistent_index_and_the_next_run_resumes_where_it_stopped()
    {
        var folder = Directory.CreateTempSubdirectory("many").FullName;
        for (var i = 0; i < Files; i++)
        {
            var paragraphs = Enumerable.Range(0, 12).Select(p =>
                $"Paragraph {p} of memo {i} explains procedure marker{i}x{p} for the office. It repeats a few words so the file has some length and takes some time to index.");
            File.WriteAllText(Path.Combine(folder, $"memo-{i:D4}.md"), $"# Memo {i}\n\n## Part A\n\n{string.Join("\n\n", paragraphs.Take(6))}\n\n## Part B\n\n{string.Join("\n\n", paragraphs.Skip(6))}\n");
        }
        using var box = new TestBox(folder, office.Hr);

        using (var process = StartIngest(box.ConfigPath))
        {
            var database = Path.Combine(box.DataFolder, DocumentLibrary.DatabaseFileName);
            await Eventually(() =>
            {
                if (process.HasExited)
                    Assert.Fail($"ingest ended (exit {process.ExitCode}) before it could be killed: {process.StandardOutput.ReadToEnd()} {process.StandardError.ReadToEnd()}");
                return ReadyDocuments(database) >= 40;
            }, TimeSpan.FromMinutes(3), "ingest indexed 40 documents");
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        using var library = await box.OpenAsync();
        Assert.Empty(library.CheckIntegrity());
        var survived = (await library.ListDocumentsAsync(["everyone"], CancellationToken.None)).Count;
        Assert.InRange(survived, 40, Files - 1);

        var resumed = await library.IngestAsync("handbook", null, CancellationToken.None);
        Assert.Equal((Files - survived, survived, 0), (resumed.Added, resumed.Unchanged, resumed.Skipped.Count));
        Assert.Empty(library.CheckIntegrity());
        foreach (var i in new[] { 0, Files / 2, Files - 1 })
        {
            var hits = await library.SearchAsync(new SearchRequest($"marker{i}x7", ["everyone"], 1), CancellationToken.None);
            Assert.Equal($"memo-{i:D4}.md", hits[0].Path);
        }
    }

    [Fact]
    public async Task A_cancelled_ingest_reports_what_it_committed_and_the_next_run_adds_the_rest()
    {
        var folder = Directory.CreateTempSubdirectory("cancel").FullName;
        for (var i = 0; i < 300; i++)
            File.WriteAllText(Path.Combine(folder, $"note-{i:D3}.md"), $"# Note {i}\n\nReminder number {i} about the printer on floor {i % 4}.\n");
        using var box = new TestBox(folder, office.Hr);
        using var library = await box.OpenAsync();
        using var stop = new CancellationTokenSource();
        var progress = new SynchronousProgress(p => { if (p.FilesDone >= 30) stop.Cancel(); });
        var first = await library.IngestAsync("handbook", progress, stop.Token);
        Assert.True(first.Cancelled);
        Assert.InRange(first.Added, 30, 299);
        Assert.Equal(first.Added, (await library.ListDocumentsAsync(["everyone"], CancellationToken.None)).Count);
        Assert.Empty(library.CheckIntegrity());
        var second = await library.IngestAsync("handbook", null, CancellationToken.None);
        Assert.Equal((300 - first.Added, first.Added, false), (second.Added, second.Unchanged, second.Cancelled));
    }

    /// <summary>Reports on the worker's thread, so the test can cancel at an exact count.</summary>
    private sealed class SynchronousProgress(Action<Ingestion.IngestProgress> report) : IProgress<Ingestion.IngestProgress>
    {
        public void Report(Ingestion.IngestProgress value) => report(value);
    }

    private static Process StartIngest(string config)
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)); // bin/<Configuration>/net10.0
        var configuration = here.Parent!.Name;
        var agent = Path.Combine(SampleDocs.SampleOffice.RepositoryRoot(), "src", "Appliance.Agent", "bin", configuration, "net10.0", "appliance.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { agent, "ingest", "--config", config, "--json" }) start.ArgumentList.Add(argument);
        return Process.Start(start)!;
    }

    private static int ReadyDocuments(string database)
    {
        if (!File.Exists(database)) return 0;
        try
        {
            using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM documents WHERE status = 'ready'";
            return Convert.ToInt32(command.ExecuteScalar());
        }
        catch (SqliteException)
        {
            return 0; // the schema is still being created
        }
    }
}
