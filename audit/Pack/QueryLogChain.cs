using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Appliance.Audit.Evidence;

namespace Appliance.Audit.Pack;

/// <summary>
/// The one verifier of the agent's hash-chained query log, used by the agent on its whole log and
/// by the audit pack on an excerpt. Each entry's hash is the SHA-256 of its canonical payload: the
/// JSON array <c>[seq, time, kind, …, previous_hash]</c> the agent hashes, so the entry's sequence
/// number and its link to the previous entry are covered by the hash.
/// </summary>
public static class QueryLogChain
{
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    public static string HashOf(string payload) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(payload)));

    /// <summary>Checks an excerpt (the entries of a period): it may start after entry 1, since its predecessor lies outside the period.</summary>
    public static ChainCheck Verify(IReadOnlyList<ChainEntry> entries)
    {
        var walk = new ChainWalk(purgeAnchors: null);
        foreach (var entry in entries)
            if (walk.Next(entry) is { } problem)
                return new ChainCheck(false, entries.Count, entry.Sequence, $"entry {entry.Sequence}: {problem}");
        return new ChainCheck(true, entries.Count, null, entries.Count == 0 ? "no entries in the period" : $"{entries.Count} entries link and hash correctly");
    }

    /// <summary>The time an entry was written (the payload's second element), or null when the payload does not say.</summary>
    public static DateTimeOffset? TimeOf(ChainEntry entry) =>
        Fields(entry.Payload) is [_, { ValueKind: JsonValueKind.String } time, ..] && time.TryGetDateTimeOffset(out var at) ? at : null;

    internal static JsonElement[]? Fields(string payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload);
            return document.RootElement.ValueKind == JsonValueKind.Array ? [.. document.RootElement.EnumerateArray().Select(e => e.Clone())] : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// Walks a chain entry by entry, oldest first, and names the first entry that does not check out.
/// </summary>
/// <param name="purgeAnchors">
/// For a whole log: the hash each retention purge recorded for the last entry it removed, by that
/// entry's number, so the oldest kept entry must start from genesis or from such an anchor. Null for an
/// excerpt, whose first entry may follow entries outside it.
/// </param>
public sealed class ChainWalk(IReadOnlyDictionary<long, string>? purgeAnchors)
{
    private ChainEntry? previous;

    /// <summary>Null when the entry checks out (and becomes the previous one), else why not.</summary>
    public string? Next(ChainEntry entry)
    {
        var problem = Check(entry);
        if (problem is null) previous = entry;
        return problem;
    }

    private string? Check(ChainEntry entry)
    {
        // The link and the number must be inside what is hashed, or they could be changed without breaking the hash.
        if (QueryLogChain.Fields(entry.Payload) is not [{ ValueKind: JsonValueKind.Number } seq, .., { ValueKind: JsonValueKind.String } link]
            || !seq.TryGetInt64(out var number) || number != entry.Sequence || link.GetString() != entry.PreviousHash)
            return "its hashed content does not carry its number and its link to the previous entry";
        if (QueryLogChain.HashOf(entry.Payload) != entry.Hash)
            return "its content does not match its hash (the entry was edited)";
        if (previous is not null)
        {
            if (entry.Sequence != previous.Sequence + 1)
                return $"entries #{previous.Sequence + 1}–#{entry.Sequence - 1} are missing (removed outside a retention purge)";
            if (entry.PreviousHash != previous.Hash)
                return $"its link does not match the hash of entry #{previous.Sequence}";
            return null;
        }
        if (entry.Sequence == 1)
            return entry.PreviousHash == QueryLogChain.Genesis ? null : "the first entry does not start from the genesis hash";
        if (purgeAnchors is null) return null;
        // The oldest kept entry follows purged ones: a purge record must vouch for exactly that hash.
        if (purgeAnchors.TryGetValue(entry.Sequence - 1, out var anchor))
            return entry.PreviousHash == anchor ? null : $"its link does not match the hash the purge recorded for entry #{entry.Sequence - 1}";
        return $"entries #1–#{entry.Sequence - 1} are missing and no purge record accounts for them";
    }
}
