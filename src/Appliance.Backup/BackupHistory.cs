using System.Text.Json;

namespace Appliance.Backup;

public enum BackupActivity { Backup, Verify, Restore }

public enum BackupOutcome { Succeeded, Failed }

/// <summary>One backup, verify or restore, as the evidence records it.</summary>
public sealed record BackupEvent(BackupActivity Activity, BackupOutcome Outcome, DateTimeOffset At, string Destination, string? Set, long Bytes, double Seconds, string? Detail);

/// <summary>
/// The record of backups and restore drills, one JSON line per event, kept on the destination
/// (DEST/HOST/history.jsonl): a verify or restore usually runs where the private key is — an IT
/// laptop with the disk plugged in — and the box learns of the drill from the disk it reads each
/// night. A failure to reach the destination is recorded in the box's own copy (the state folder).
/// </summary>
public static class BackupHistory
{
    public const string FileName = "history.jsonl";

    public static async Task AppendAsync(string file, BackupEvent entry, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.AppendAllTextAsync(file, JsonSerializer.Serialize(entry, Compact) + "\n", ct);
    }

    public static IReadOnlyList<BackupEvent> Read(params string[] files) =>
        [.. files.Where(File.Exists).SelectMany(File.ReadAllLines).Select(ParseLine).OfType<BackupEvent>().OrderBy(e => e.At)];

    /// <summary>The events in history text as `cat` prints it (verify reads the files through the box's own cat).</summary>
    public static IReadOnlyList<BackupEvent> Parse(string text) =>
        [.. text.Split('\n').Select(ParseLine).OfType<BackupEvent>().OrderBy(e => e.At)];

    /// <summary>The newest successful event of a kind.</summary>
    public static BackupEvent? LastSucceeded(IEnumerable<BackupEvent> events, params BackupActivity[] activities) =>
        events.Where(e => e.Outcome == BackupOutcome.Succeeded && activities.Contains(e.Activity)).MaxBy(e => e.At);

    private static BackupEvent? ParseLine(string line)
    {
        try
        {
            return string.IsNullOrWhiteSpace(line) ? null : JsonSerializer.Deserialize<BackupEvent>(line, Compact);
        }
        catch (JsonException)
        {
            return null;  // a line cut by a full disk: the others still count
        }
    }

    private static readonly JsonSerializerOptions Compact = new(SetFiles.Json) { WriteIndented = false };
}
