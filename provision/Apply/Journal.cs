using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Appliance.Provision.Targets;
using Appliance.Provision.Resources;

namespace Appliance.Provision.Apply;

/// <summary>
/// One apply (or rollback), as the audit pack shows it: who ran it from where, when, against which
/// target, the generation it produced (if it succeeded), and every step with its result.
/// </summary>
/// <param name="Note">what a run that is not an apply made, in words (e.g. the fingerprint of a new audit key)</param>
public sealed record JournalEntry(
    string Action, string User, string Host, string Target, DateTimeOffset StartedAt, DateTimeOffset FinishedAt,
    [property: JsonConverter(typeof(ApplyResultNames))] ApplyResult Outcome, int? Generation, string? Error, IReadOnlyList<StepResult> Steps,
    string? Note = null);

/// <summary>How a run ended; the journal keeps the names shown.</summary>
public enum ApplyResult
{
    [JsonStringEnumMemberName("applied")] Applied,
    [JsonStringEnumMemberName("no changes")] NoChanges,
    [JsonStringEnumMemberName("failed")] Failed,
}

/// <summary>
/// The journal's outcome names. Lines written before the outcome was typed may hold a sentence
/// instead (an audit key's "created audit key …"): such a run succeeded, so it reads as applied.
/// </summary>
public sealed class ApplyResultNames : JsonConverter<ApplyResult>
{
    public static string Name(ApplyResult result) => result switch
    {
        ApplyResult.Applied => "applied",
        ApplyResult.NoChanges => "no changes",
        _ => "failed",
    };

    public override ApplyResult Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetString() switch
        {
            "no changes" => ApplyResult.NoChanges,
            "failed" => ApplyResult.Failed,
            _ => ApplyResult.Applied,
        };

    public override void Write(Utf8JsonWriter writer, ApplyResult value, JsonSerializerOptions options) => writer.WriteStringValue(Name(value));
}

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
