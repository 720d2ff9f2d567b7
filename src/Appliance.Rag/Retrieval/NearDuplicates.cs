namespace Appliance.Rag.Retrieval;

/// <summary>
/// Recognises chunks that say the same thing (the same policy paragraph in two files, overlapping
/// windows), by the overlap of their word 3-gram sets.
/// </summary>
internal sealed class NearDuplicates(double threshold = 0.8)
{
    private readonly List<HashSet<int>> _accepted = [];

    /// <summary>True (and remembered) when <paramref name="text"/> is not a near-copy of one accepted before.</summary>
    public bool TryAccept(string text)
    {
        var shingles = Shingles(text);
        foreach (var other in _accepted)
        {
            var common = shingles.Count(other.Contains);
            var union = shingles.Count + other.Count - common;
            if (union > 0 && (double)common / union >= threshold) return false;
        }
        _accepted.Add(shingles);
        return true;
    }

    private static HashSet<int> Shingles(string text)
    {
        var words = text.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var set = new HashSet<int>();
        for (var i = 0; i + 2 < words.Length; i++) set.Add(HashCode.Combine(words[i], words[i + 1], words[i + 2]));
        if (words.Length is > 0 and < 3) set.Add(string.Join(' ', words).GetHashCode());
        return set;
    }
}
