using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Appliance.Provision.Resources;
using Appliance.Provision.Targets;

namespace Appliance.Provision.Apply;

/// <summary>One successful apply: the config it applied and everything the tool owned afterwards.</summary>
public sealed record Generation(int Number, DateTimeOffset AppliedAt, string AppliedBy, string ConfigFile, string ConfigText,
    IReadOnlyList<Owned> Owned, int? RollbackOf = null);

/// <summary>
/// The ownership record and generations, kept on the box in /var/db/appliance/state.json (root
/// only). Owned is updated step by step, so a failed apply still knows what it wrote.
/// </summary>
public sealed record StateRecord(IReadOnlyList<Owned> Owned, IReadOnlyList<Generation> Generations)
{
    public const string FilePath = "/var/db/appliance/state.json";
    public static readonly StateRecord Empty = new([], []);

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public Generation? Current => Generations.Count == 0 ? null : Generations[^1];

    public IReadOnlySet<string> OwnedPaths => Owned.Select(o => o.Path).ToHashSet(StringComparer.Ordinal);

    public static async Task<StateRecord> LoadAsync(ITarget target, CancellationToken cancellationToken)
    {
        var bytes = await target.ReadFileAsync(FilePath, cancellationToken);
        if (bytes is null) return Empty;
        try
        {
            return JsonSerializer.Deserialize<StateRecord>(bytes, Json) ?? Empty;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{FilePath} on the box is damaged ({e.Message}); it lists what provision owns — restore it from a backup before applying", e);
        }
    }

    public async Task SaveAsync(ITarget target, CancellationToken cancellationToken)
    {
        var runner = new StepRunner(target);
        var folder = await runner.RunAsync(new MakeDirectory("/var/db/appliance", "root", "wheel", Modes.FolderOwnerOnly) { Resource = "state" }, cancellationToken);
        if (!folder.Succeeded) throw new IOException($"cannot create /var/db/appliance: {folder.Detail}");
        var write = await runner.RunAsync(new WriteFile(FilePath, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(this, Json)), "root", "wheel", Modes.FileOwnerOnly) { Resource = "state" }, cancellationToken);
        if (!write.Succeeded) throw new IOException($"cannot write {FilePath}: {write.Detail}");
    }

    public StateRecord WithOwned(IEnumerable<Owned> add, IEnumerable<Owned> remove)
    {
        var removed = remove.Select(o => o.Key).ToHashSet();
        var added = add.ToList();
        var addedKeys = added.Select(o => o.Key).ToHashSet();
        return this with { Owned = [.. Owned.Where(o => !removed.Contains(o.Key) && !addedKeys.Contains(o.Key)), .. added] };
    }
}
