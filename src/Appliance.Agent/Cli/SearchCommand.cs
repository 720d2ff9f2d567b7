using System.CommandLine;
using System.Text.Json;
using Appliance.Rag;

namespace Appliance.Agent.Cli;

/// <summary>`appliance search`: what the index returns for a question, as a given person would see it.</summary>
internal static class SearchCommand
{
    public static Command Create()
    {
        var config = LibraryCommandLine.ConfigOption();
        var json = LibraryCommandLine.JsonOption();
        var query = new Argument<string>("query") { Description = "the question or keywords" };
        var user = new Option<string?>("--user", "-u") { Description = "search as this user of the config (their groups)" };
        var groups = new Option<string?>("--groups", "-g") { Description = "search as a member of these groups (comma-separated)" };
        var k = new Option<int?>("--k") { Description = "number of hits (default: rag.top_k)" };
        var lexical = new Option<bool>("--lexical") { Description = "keywords only (BM25): skip loading the embedding model" };
        var command = new Command("search", """
            Search the document index the way the agent does: keywords (BM25, in each collection's
            language) and meaning (vectors from the config's embedding model, loaded here for the
            question), fused, limited to the collections the user or groups may read. Works beside
            a running agent. Each hit shows the file (relative to its collection's folder), title,
            page or slide, section and the matching text.
            """) { query, user, groups, k, lexical, config, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (LibraryCommandLine.LoadConfig(parse.GetValue(config)) is not { } loaded) return 1;
            var callerGroups = LibraryCommandLine.CallerGroups(loaded.Config, parse.GetValue(user), parse.GetValue(groups), out var who);
            if (callerGroups is null) return 1;
            using var embeddings = parse.GetValue(lexical) ? null : await QueryEmbeddings.OpenAsync(loaded.Config, loaded.Directory, cancellationToken);
            using var library = await LibraryCommandLine.OpenAsync(loaded.Config, loaded.Directory, LibraryAccess.ReadOnly, cancellationToken, embeddings);
            if (library is null) return 1;
            var hits = await library.SearchAsync(new SearchRequest(parse.GetValue(query)!, callerGroups, parse.GetValue(k)), cancellationToken);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(hits.Select(h => new
                {
                    document_id = h.DocumentId, collection = h.Citation.CollectionId, path = h.Path, title = h.Title,
                    page = h.Page, recognised = h.Citation.Recognised, section = h.Section, score = Math.Round(h.Score, 6),
                    bm25 = h.Evidence.Bm25 is { } b ? Math.Round(b, 4) : (double?)null,
                    similarity = h.Evidence.Similarity is { } c ? Math.Round(c, 4) : (double?)null,
                    start_char = h.Citation.StartChar, end_char = h.Citation.EndChar, text = h.Text,
                }), LibraryCommandLine.Json));
                return 0;
            }
            Console.WriteLine($"searching as {who}, {(embeddings is null ? "keywords only" : $"keywords and meaning ({loaded.Config.Models.Embedding.Name})")}");
            if (hits.Count == 0) Console.WriteLine("no matching documents");
            var number = 0;
            foreach (var hit in hits)
            {
                var where = string.Join(", ", new[] { hit.Citation.Location, hit.Section }.Where(s => s.Length > 0));
                Console.WriteLine($"[{++number}] {hit.Title} — {hit.Citation.CollectionId}/{hit.Path}{(where.Length > 0 ? $" ({where})" : "")}  score {hit.Score:0.0000}");
                Console.WriteLine($"    {hit.Citation.Snippet}");
            }
            return 0;
        });
        return command;
    }
}
