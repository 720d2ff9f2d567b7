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
            // Jaccard similarity is at most the smaller set's size over the larger's: most pairs end here.
            var (small, large) = shingles.Count <= other.Count ? (shingles, other) : (other, shingles);
            if (small.Count < threshold * large.Count) continue;
            var common = 0;
            foreach (var shingle in small)
                if (large.Contains(shingle)) common++;
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
