using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Appliance.Config;
using Appliance.Rag;
using Appliance.Rag.Extraction;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Agent.Cli;

/// <summary>What the document verbs (ingest, search, documents) share: the config option, opening the library, JSON output.</summary>
internal static class LibraryCommandLine
{
    public static Option<FileInfo?> ConfigOption() => new("--config", "-c")
    {
        Description = "appliance.yaml to use (default: $APPLIANCE_CONFIG, else ./appliance.yaml)",
    };

    public static Option<bool> JsonOption() => new("--json") { Description = "print machine-readable JSON" };

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>The loaded config and its folder, or null after printing every error with file:line:col.</summary>
    public static (ApplianceConfig Config, string Directory)? LoadConfig(FileInfo? option)
    {
        var path = option?.FullName ?? Environment.GetEnvironmentVariable("APPLIANCE_CONFIG") ?? "appliance.yaml";
        if (!File.Exists(path))
        {
            Console.Error.WriteLine($"error: no config at {path} (pass --config FILE or set APPLIANCE_CONFIG)");
            return null;
        }
        var result = ConfigLoader.Load(path);
        if (!result.IsValid)
        {
            foreach (var error in result.Errors) Console.Error.WriteLine(error);
            return null;
        }
        return (result.Config!, result.Directory);
    }

    /// <summary>
    /// Opens the library lexical-only: the CLI does not load the embedding model, so chunks get their
    /// vectors when the agent (which runs the model) next ingests. Null after printing why when a
    /// writer is wanted and another process (the agent, another ingest) is writing the data folder.
    /// </summary>
    /// <param name="embeddings">the embedding model, for a search that should rank as the agent does</param>
    public static async Task<DocumentLibrary?> OpenAsync(ApplianceConfig config, string directory, LibraryAccess access,
        CancellationToken cancellationToken, IEmbeddingGenerator<string, Embedding<float>>? embeddings = null)
    {
        try
        {
            return await DocumentLibrary.OpenAsync(config, directory, embeddings, NullLoggerFactory.Instance, cancellationToken,
                access: access, extractors: ExtractorCatalog.Isolated(config.Rag, ThisProgram.Command()));
        }
        catch (DocumentLibraryException e) when (e.Error == LibraryError.Busy)
        {
            Console.Error.WriteLine($"error: {e.Message}.");
            Console.Error.WriteLine("  If the agent is running, let it do this: `POST /api/ingest` (or the Documents page) syncs, " +
                                    "and documents are erased from the page or `DELETE /api/documents/{id}`; or stop the agent first.");
            return null;
        }
    }

    /// <summary>The groups of <paramref name="user"/>, the given groups, or — for the admin at the console — every group.</summary>
    public static IReadOnlyCollection<string>? CallerGroups(ApplianceConfig config, string? user, string? groups, out string who)
    {
        if (user is not null)
        {
            var spec = config.Auth.Users.FirstOrDefault(u => u.Name == user);
            if (spec is null)
            {
                Console.Error.WriteLine($"error: no user '{user}' in the config (known: {string.Join(", ", config.Auth.Users.Select(u => u.Name))})");
                who = "";
                return null;
            }
            who = $"{user} (groups: {string.Join(", ", spec.Groups)})";
            return [.. spec.Groups];
        }
        if (groups is not null)
        {
            var list = groups.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            who = $"groups {string.Join(", ", list)}";
            return list;
        }
        var all = config.Rag.Collections.SelectMany(c => c.Groups).Concat(config.Auth.Groups.Select(g => g.Id)).Distinct().ToList();
        who = "every group (admin at the console; use --user or --groups to see what a person sees)";
        return all;
    }
}
