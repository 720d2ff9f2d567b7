namespace Appliance.Rag.Index;

/// <summary>
/// How many chunks of a collection hold each query word, remembered between queries: counting a
/// common word walks its whole posting list, milliseconds at 100k chunks, and the same everyday
/// words come back in question after question.
/// Counts belong to one generation of a collection's chunks. Every write moves the generation on
/// (in its transaction) and drops the collection's counts here, so an erased document's words leave
/// nothing behind; the generation a query reads in its own snapshot also catches writes made by
/// another process. Only words that occur are kept: a zero costs nothing to count again, and a
/// question's unknown words have no business being remembered.
/// </summary>
internal sealed class WordFrequencies(int capacityPerCollection = 8192)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (long Generation, Dictionary<string, long> Counts)> _collections = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _newest = new(StringComparer.Ordinal);

    public bool TryGet(string collectionId, long generation, string phrase, out long count)
    {
        lock (_lock)
        {
            count = 0;
            return _collections.TryGetValue(collectionId, out var known) && known.Generation == generation
                && known.Counts.TryGetValue(phrase, out count);
        }
    }

    /// <summary>Keeps counts taken in <paramref name="generation"/>, unless a newer generation has been written since.</summary>
    public void Remember(string collectionId, long generation, IEnumerable<(string Phrase, long Count)> counts)
    {
        lock (_lock)
        {
            if (generation < _newest.GetValueOrDefault(collectionId)) return;
            if (!_collections.TryGetValue(collectionId, out var known) || known.Generation != generation)
                _collections[collectionId] = known = (generation, new Dictionary<string, long>(StringComparer.Ordinal));
            _newest[collectionId] = generation;
            foreach (var (phrase, count) in counts)
            {
                if (count <= 0) continue;
                // A bound on memory: past it, start over rather than track what is used least.
                if (known.Counts.Count >= capacityPerCollection) known.Counts.Clear();
                known.Counts[phrase] = count;
            }
        }
    }

    /// <summary>Drops a collection's counts: its chunks changed, and are now at <paramref name="generation"/>.</summary>
    public void Forget(string collectionId, long generation)
    {
        lock (_lock)
        {
            _collections.Remove(collectionId);
            if (generation > _newest.GetValueOrDefault(collectionId)) _newest[collectionId] = generation;
        }
    }

    /// <summary>Whether any collection's remembered counts mention <paramref name="word"/> (erasure tests ask).</summary>
    public bool Mentions(string word)
    {
        lock (_lock)
            return _collections.Values.Any(c => c.Counts.Keys.Any(p => p.Contains(word, StringComparison.OrdinalIgnoreCase)));
    }
}
