using System.CommandLine;
using System.Text.Json;
using Appliance.Rag;

namespace Appliance.Agent.Cli;

/// <summary>`appliance documents list|delete|erasures`: what is indexed, and erasing a document for good.</summary>
internal static class DocumentsCommand
{
    public static Command Create()
    {
        var command = new Command("documents", "List indexed documents, erase one, or show the erasure log.");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Delete());
        command.Subcommands.Add(Erasures());
        return command;
    }

    private static Command List()
    {
        var config = LibraryCommandLine.ConfigOption();
        var json = LibraryCommandLine.JsonOption();
        var user = new Option<string?>("--user", "-u") { Description = "only what this user may read" };
        var groups = new Option<string?>("--groups", "-g") { Description = "only what these groups may read (comma-separated)" };
        var command = new Command("list", "List documents: id, collection, path, chunks, status (failed ones with the reason).") { user, groups, config, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (LibraryCommandLine.LoadConfig(parse.GetValue(config)) is not { } loaded) return 1;
            var callerGroups = LibraryCommandLine.CallerGroups(loaded.Config, parse.GetValue(user), parse.GetValue(groups), out _);
            if (callerGroups is null) return 1;
            using var library = await LibraryCommandLine.OpenAsync(loaded.Config, loaded.Directory, LibraryAccess.ReadOnly, cancellationToken);
            if (library is null) return 1;
            var documents = await library.ListDocumentsAsync(callerGroups, cancellationToken);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(documents, LibraryCommandLine.Json));
                return 0;
            }
            foreach (var d in documents)
                Console.WriteLine($"{d.Id}  {d.CollectionId}/{d.Path}  {d.Chunks} chunks  " +
                                  (d.Status == DocumentStatus.Ready ? d.Title : $"FAILED: {d.Error}"));
            Console.WriteLine($"{documents.Count} documents");
            return 0;
        });
        return command;
    }

    private static Command Delete()
    {
        var config = LibraryCommandLine.ConfigOption();
        var json = LibraryCommandLine.JsonOption();
        var id = new Argument<string>("id") { Description = "document id (see `documents list`)" };
        var by = new Option<string>("--by") { Description = "who asks for the erasure (recorded)", DefaultValueFactory = _ => Environment.UserName };
        var command = new Command("delete", """
            Erase a document: its chunks, vectors and full-text entries go in one transaction with
            SQLite secure_delete, and an erasure record (who, when, content hash) is written. An
            uploaded file is deleted; a file in a source folder stays out of the index until it changes.
            """) { id, by, config, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (LibraryCommandLine.LoadConfig(parse.GetValue(config)) is not { } loaded) return 1;
            using var library = await LibraryCommandLine.OpenAsync(loaded.Config, loaded.Directory, LibraryAccess.ReadWrite, cancellationToken);
            if (library is null) return 1;
            try
            {
                var record = await library.DeleteDocumentAsync(parse.GetValue(id)!, parse.GetValue(by)!, cancellationToken);
                Console.WriteLine(parse.GetValue(json)
                    ? JsonSerializer.Serialize(record, LibraryCommandLine.Json)
                    : $"erased {record.CollectionId}/{record.Path} ({record.Chunks} chunks, sha256 {record.ContentHash[..12]}…) — erasure record #{record.Id}");
                return 0;
            }
            catch (DocumentLibraryException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static Command Erasures()
    {
        var config = LibraryCommandLine.ConfigOption();
        var json = LibraryCommandLine.JsonOption();
        var command = new Command("erasures", "Show the erasure log: every erased document with who, when and its content hash.") { config, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (LibraryCommandLine.LoadConfig(parse.GetValue(config)) is not { } loaded) return 1;
            using var library = await LibraryCommandLine.OpenAsync(loaded.Config, loaded.Directory, LibraryAccess.ReadOnly, cancellationToken);
            if (library is null) return 1;
            var records = await library.ErasuresAsync(null, cancellationToken);
            if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(records, LibraryCommandLine.Json));
            else foreach (var r in records)
                Console.WriteLine($"#{r.Id} {r.ErasedAt:u}  {r.CollectionId}/{r.Path}  by {r.ErasedBy}: {r.Reason}  sha256 {r.ContentHash[..12]}…");
            return 0;
        });
        return command;
    }
}
