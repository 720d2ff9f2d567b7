using System.Text;
using System.Text.Json;
using Appliance.Provision.Targets;
using Appliance.Provision.Resources;

namespace Appliance.Provision.Apply;

/// <summary>
/// One apply (or rollback), as the audit pack shows it: who ran it from where, when, against which
/// target, the generation it produced (if it succeeded), and every step with its result.
/// </summary>
public sealed record JournalEntry(
    string Action, string User, string Host, string Target, DateTimeOffset StartedAt, DateTimeOffset FinishedAt,
    string Outcome, int? Generation, string? Error, IReadOnlyList<StepResult> Steps);

/// <summary>The journal: /var/db/appliance/journal.jsonl on the box, one JSON object per line, append-only.</summary>
public static class Journal
{
    public const string FilePath = "/var/db/appliance/journal.jsonl";

    public static async Task AppendAsync(ITarget target, JournalEntry entry, CancellationToken cancellationToken)
    {
        var existing = await target.ReadFileAsync(FilePath, cancellationToken) ?? [];
        var line = JsonSerializer.Serialize(entry, new JsonSerializerOptions(StateRecord.Json) { WriteIndented = false }) + "\n";
        var write = await new StepRunner(target).RunAsync(
            new WriteFile(FilePath, [.. existing, .. Encoding.UTF8.GetBytes(line)], "root", "wheel", Modes.FileOwnerOnly) { Resource = "journal" }, cancellationToken);
        if (!write.Succeeded) throw new IOException($"cannot append to {FilePath}: {write.Detail}");
    }

    public static async Task<IReadOnlyList<JournalEntry>> ReadAsync(ITarget target, CancellationToken cancellationToken)
    {
        var bytes = await target.ReadFileAsync(FilePath, cancellationToken);
        if (bytes is null) return [];
        return [.. Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonSerializer.Deserialize<JournalEntry>(l, StateRecord.Json)!)];
    }
}
