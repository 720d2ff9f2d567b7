using System.CommandLine;
using System.Text.Json;
using Appliance.Rag;
using Appliance.Rag.Ingestion;
using Spectre.Console;

namespace Appliance.Agent.Cli;

/// <summary>`appliance ingest`: bring the document index up to date with the collections' folders.</summary>
internal static class IngestCommand
{
    public static Command Create()
    {
        var config = LibraryCommandLine.ConfigOption();
        var json = LibraryCommandLine.JsonOption();
        var collection = new Option<string?>("--collection") { Description = "only this collection id (default: all)" };
        var command = new Command("ingest", """
            Sync the document collections of appliance.yaml into the index: new and changed files are
            extracted (PDF pages, Word headings, slides, sheets…), chunked and indexed; unchanged files
            are skipped by content hash; files gone from the folders are erased. Safe to interrupt:
            every document is committed whole, and the next run continues where this one stopped.
            Prints a summary with every skipped file and why; exit 0 even when files were skipped,
            1 when the run itself could not start.
            """) { config, collection, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (LibraryCommandLine.LoadConfig(parse.GetValue(config)) is not { } loaded) return 1;
            using var library = await LibraryCommandLine.OpenAsync(loaded.Config, loaded.Directory, LibraryAccess.ReadWrite, cancellationToken);
            if (library is null) return 1;
            IngestReport report;
            try
            {
                report = parse.GetValue(json) || !AnsiConsole.Profile.Capabilities.Interactive
                    ? await library.IngestAsync(parse.GetValue(collection), null, cancellationToken)
                    : await WithProgressBarAsync(library, parse.GetValue(collection), cancellationToken);
            }
            catch (DocumentLibraryException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("cancelled: documents finished so far are indexed; run ingest again to continue");
                return 130;
            }
            catch (Exception e) when (DiskFull(e))
            {
                // SQLite rolled the document in flight back: what is indexed is whole, the rest waits for space.
                Console.Error.WriteLine($"error: the disk holding {Path.GetDirectoryName(library.DatabasePath)} is full; " +
                                        "documents finished so far are indexed and nothing half-written was kept. Free space and run ingest again: it continues where it stopped.");
                return 1;
            }
            if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(report, LibraryCommandLine.Json));
            else Print(report);
            if (report.Cancelled)
            {
                Console.Error.WriteLine("cancelled: documents finished so far are indexed; run ingest again to continue");
                return 130;
            }
            return 0;
        });
        return command;
    }

    /// <summary>SQLITE_FULL from the index, or ENOSPC from a file write, possibly wrapped by the parallel loop.</summary>
    private static bool DiskFull(Exception e) => e switch
    {
        Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 13 } => true,
        IOException io when io.HResult == 28 || io.Message.Contains("No space left", StringComparison.Ordinal) => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(DiskFull),
        _ => e.InnerException is { } inner && DiskFull(inner),
    };

    private static async Task<IngestReport> WithProgressBarAsync(DocumentLibrary library, string? collection, CancellationToken cancellationToken)
    {
        IngestReport? report = null;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("scanning", maxValue: 1);
                var progress = new Progress<IngestProgress>(p =>
                {
                    task.MaxValue = Math.Max(1, p.BytesTotal);
                    task.Value = p.BytesDone;
                    task.Description = p.Phase switch
                    {
                        IngestPhase.Indexing => $"{p.FilesDone}/{p.FilesTotal} files",
                        IngestPhase.Embedding => $"embedding {p.Current}",
                        _ => p.Phase.ToString().ToLowerInvariant(),
                    };
                });
                report = await library.IngestAsync(collection, progress, cancellationToken);
                task.Value = task.MaxValue;
            });
        return report!;
    }

    private static void Print(IngestReport report)
    {
        Console.WriteLine($"ingest: {report.Added} added, {report.Updated} updated, {report.Unchanged} unchanged, " +
                          $"{report.Erased} erased, {report.Skipped.Count} skipped" +
                          (report.Unsupported > 0 ? $", {report.Unsupported} files of unsupported types ignored" : ""));
        Console.WriteLine($"  {report.Chunks} chunks from {report.Bytes / 1024.0 / 1024:0.0} MB in {report.Duration.TotalSeconds:0.0} s" +
                          (report.EmbeddingModel is null ? " (lexical only: vectors are added when the agent ingests with its model)" : $", {report.Embedded} vectors ({report.EmbeddingModel})"));
        foreach (var skipped in report.Skipped)
            Console.WriteLine($"  skipped {skipped.CollectionId}/{skipped.Path}: {skipped.Reason}");
    }
}
