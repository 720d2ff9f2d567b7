using System.Security.Cryptography;
using System.Text;
using Appliance.Audit.Evidence;

namespace Appliance.Audit.Pack;

/// <summary>Recomputes a hash chain excerpt: each hash is SHA-256(previous hash + "\n" + payload).</summary>
public static class QueryLogChain
{
    public static string HashOf(string previousHash, string payload) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(previousHash + "\n" + payload)));

    public static ChainCheck Verify(IReadOnlyList<ChainEntry> entries)
    {
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            if (i > 0 && entry.PreviousHash != entries[i - 1].Hash)
                return new ChainCheck(false, entries.Count, entry.Sequence, $"entry {entry.Sequence} does not link to entry {entries[i - 1].Sequence}");
            if (HashOf(entry.PreviousHash, entry.Payload) != entry.Hash)
                return new ChainCheck(false, entries.Count, entry.Sequence, $"entry {entry.Sequence} was altered (its hash does not match its content)");
        }
        return new ChainCheck(true, entries.Count, null, entries.Count == 0 ? "no entries in the period" : $"{entries.Count} entries link and hash correctly");
    }
}
