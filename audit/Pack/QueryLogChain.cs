using System.Security.Cryptography;
using System.Text;
using Appliance.Audit.Evidence;

namespace Appliance.Audit.Pack;

/// <summary>
/// Recomputes a hash-chain excerpt of the query log as the agent stores it: each entry's hash is the
/// SHA-256 of its canonical payload, and the payload itself carries the previous entry's hash, so
/// the link is covered by the hash.
/// </summary>
public static class QueryLogChain
{
    public static string HashOf(string payload) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(payload)));

    public static ChainCheck Verify(IReadOnlyList<ChainEntry> entries)
    {
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            if (i > 0 && entry.PreviousHash != entries[i - 1].Hash)
                return new ChainCheck(false, entries.Count, entry.Sequence, $"entry {entry.Sequence} does not link to entry {entries[i - 1].Sequence}");
            if (!entry.Payload.Contains($"\"{entry.PreviousHash}\"", StringComparison.Ordinal))
                return new ChainCheck(false, entries.Count, entry.Sequence, $"entry {entry.Sequence} does not carry its link inside its hashed content");
            if (HashOf(entry.Payload) != entry.Hash)
                return new ChainCheck(false, entries.Count, entry.Sequence, $"entry {entry.Sequence} was altered (its hash does not match its content)");
        }
        return new ChainCheck(true, entries.Count, null, entries.Count == 0 ? "no entries in the period" : $"{entries.Count} entries link and hash correctly");
    }
}
