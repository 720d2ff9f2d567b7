using System.Globalization;
using System.Text.Json;
using Appliance.Config;

namespace Appliance.Backup;

/// <summary>
/// Keeps the newest set of each of the last N days, ISO weeks and months (restic's forget
/// policy) and the newest set of each data schema, deletes the other sets, then every object no
/// kept set lists.
/// </summary>
public static class Retention
{
    /// <param name="justWritten">always kept: on a box whose clock is behind it would look like the oldest set and go at once</param>
    public static IReadOnlyList<string> Prune(string hostFolder, BackupRetention policy, string justWritten)
    {
        var sets = BackupSets.List(hostFolder).Where(s => s.Summary is not null).OrderByDescending(s => s.Summary!.Created).ToList();
        var keep = new HashSet<string>(Keep([.. sets.Select(s => (s.Id, s.Summary!.Created))], policy), StringComparer.Ordinal) { justWritten };
        // Once an upgrade has migrated the data, the last set taken before it is the only way back to the
        // older code: a night's backup on the same day must not replace it.
        foreach (var schema in sets.Where(s => s.Summary!.DataSchema is { Count: > 0 }).GroupBy(s => SchemaKey(s.Summary!.DataSchema!)))
            keep.Add(schema.First().Id);
        var pruned = new List<string>();
        foreach (var set in sets.Where(s => !keep.Contains(s.Id)))
        {
            Directory.Delete(set.Folder, recursive: true);
            pruned.Add(set.Id);
        }
        if (pruned.Count == 0) return pruned;

        var listed = BackupSets.List(hostFolder)
            .SelectMany(s => File.Exists(Path.Combine(s.Folder, SetFiles.Objects)) ? File.ReadAllLines(Path.Combine(s.Folder, SetFiles.Objects)) : [])
            .ToHashSet(StringComparer.Ordinal);
        var objects = Path.Combine(hostFolder, SetFiles.ObjectFolder);
        foreach (var file in Directory.Exists(objects) ? Directory.GetFiles(objects, "*", SearchOption.AllDirectories) : [])
            if (!listed.Contains(Path.GetFileName(file))) File.Delete(file);
        return pruned;
    }

    private static string SchemaKey(IReadOnlyDictionary<string, int> schema) =>
        string.Join(",", schema.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}={s.Value}"));

    /// <summary>The ids the policy keeps, from sets ordered newest first.</summary>
    public static IReadOnlySet<string> Keep(IReadOnlyList<(string Id, DateTimeOffset Created)> newestFirst, BackupRetention policy)
    {
        var keep = new HashSet<string>(StringComparer.Ordinal);
        void Newest(Func<DateTimeOffset, string> period, int count)
        {
            foreach (var group in newestFirst.GroupBy(s => period(s.Created)).Take(count))
                keep.Add(group.First().Id);
        }
        Newest(t => t.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), policy.Daily);
        Newest(t => $"{ISOWeek.GetYear(t.UtcDateTime)}-W{ISOWeek.GetWeekOfYear(t.UtcDateTime)}", policy.Weekly);
        Newest(t => t.UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture), policy.Monthly);
        return keep;
    }
}

/// <summary>A set folder on the destination, with its summary when it has a readable one.</summary>
public sealed record StoredSet(string Id, string Folder, SetSummary? Summary);

public static class BackupSets
{
    /// <summary>Complete sets (half-written ones end in .partial and are not listed), oldest first.</summary>
    public static IReadOnlyList<StoredSet> List(string hostFolder)
    {
        var sets = Path.Combine(hostFolder, SetFiles.Sets);
        if (!Directory.Exists(sets)) return [];
        return [.. Directory.GetDirectories(sets).Where(d => !d.EndsWith(SetFiles.PartialSuffix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).Select(d => new StoredSet(Path.GetFileName(d), d, ReadSummary(d)))];
    }

    public static IReadOnlyList<string> HalfWritten(string hostFolder)
    {
        var sets = Path.Combine(hostFolder, SetFiles.Sets);
        return Directory.Exists(sets) ? [.. Directory.GetDirectories(sets, "*" + SetFiles.PartialSuffix).Select(Path.GetFileName).OfType<string>()] : [];
    }

    private static SetSummary? ReadSummary(string folder)
    {
        try
        {
            return JsonSerializer.Deserialize<SetSummary>(File.ReadAllBytes(Path.Combine(folder, SetFiles.Summary)), SetFiles.Json);
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }
}
