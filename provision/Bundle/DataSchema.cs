using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;

namespace Appliance.Provision.Bundle;

/// <summary>
/// The schema version of each versioned store in the agent's data folder (file name → version;
/// today the document library is the one store with numbered migrations). An agent build reads data
/// at its own version or older, migrating it forward; data at a newer version it cannot read. A
/// bundle states what its code knows in <see cref="FileName"/>, listed in its manifest like every file.
/// </summary>
public sealed record DataSchema(IReadOnlyDictionary<string, int> Stores)
{
    public const string FileName = "data-schema.json";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    /// <summary>What a bundle states, or null for a bundle built before bundles stated it.</summary>
    public static DataSchema? ReadFromBundle(string bundle)
    {
        var file = Path.Combine(bundle, FileName);
        if (!File.Exists(file)) return null;
        try
        {
            return JsonSerializer.Deserialize<DataSchema>(File.ReadAllBytes(file), Json) is { Stores.Count: > 0 } schema
                ? schema
                : throw new InvalidDataException($"{file} names no store");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file} is not a data schema statement ({e.Message}); rebuild the bundle with `provision bundle`", e);
        }
    }

    public Task WriteAsync(string bundle, CancellationToken ct) =>
        File.WriteAllBytesAsync(Path.Combine(bundle, FileName), JsonSerializer.SerializeToUtf8Bytes(this, Json), ct);

    /// <summary>
    /// Asks the published program's own document-library assembly (not this provisioner's: the bundle
    /// may be built from another source tree) which schema its code knows. The assembly is IL whatever
    /// the runtime it was published for, so an osx-arm64 bundle answers on Linux too.
    /// </summary>
    public static DataSchema OfPublishedAgent(string publishFolder)
    {
        var context = new AssemblyLoadContext("bundle data schema", isCollectible: true);
        try
        {
            var library = context.LoadFromAssemblyPath(Path.Combine(publishFolder, "Appliance.Rag.dll"));
            var statement = library.GetType("Appliance.Rag.Index.LibrarySchema", throwOnError: true)!;
            if (statement.GetField("FileName", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) is not string file
                || statement.GetProperty("Version", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) is not int version)
                throw new BundleException($"the published Appliance.Rag.dll in {publishFolder} does not state its data schema (LibrarySchema.FileName and .Version)");
            return new DataSchema(new SortedDictionary<string, int>(StringComparer.Ordinal) { [file] = version });
        }
        catch (Exception e) when (e is FileNotFoundException or TypeLoadException or BadImageFormatException)
        {
            throw new BundleException($"cannot tell which data schema the published agent in {publishFolder} reads: {e.Message}");
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>The stores whose data is newer than this code knows: (store, data's version, this code's version).</summary>
    public IReadOnlyList<(string Store, int Data, int Known)> OlderThan(DataSchema data) =>
        [.. data.Stores.Where(s => s.Value > Stores.GetValueOrDefault(s.Key)).Select(s => (s.Key, s.Value, Stores.GetValueOrDefault(s.Key)))];

    /// <summary>True when every store of this schema is at most <paramref name="known"/>'s version.</summary>
    public bool ReadableBy(DataSchema known) => known.OlderThan(this).Count == 0;

    public override string ToString() => string.Join(", ", Stores.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key} schema {s.Value}"));
}
