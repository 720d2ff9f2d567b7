using System.Numerics.Tensors;

namespace Appliance.Rag.Index;

/// <summary>
/// Every chunk vector of the current embedding model, in memory, one contiguous block per
/// collection, searched exactly with SIMD dot products (vectors are L2-normalised, so dot = cosine).
/// Keeping collections apart means a search only ever touches collections the caller may read.
/// </summary>
internal sealed class VectorIndex
{
    private readonly Dictionary<string, Block> _collections = new(StringComparer.Ordinal);
    private readonly ReaderWriterLockSlim _lock = new();

    public int Dimensions { get; private set; }

    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try { return _collections.Values.Sum(b => b.Count); }
            finally { _lock.ExitReadLock(); }
        }
    }

    public void Add(string collectionId, IReadOnlyList<long> chunkIds, IReadOnlyList<float[]> vectors)
    {
        if (chunkIds.Count == 0) return;
        _lock.EnterWriteLock();
        try
        {
            if (Dimensions == 0) Dimensions = vectors[0].Length;
            if (!_collections.TryGetValue(collectionId, out var block))
                _collections[collectionId] = block = new Block(Dimensions);
            for (var i = 0; i < chunkIds.Count; i++)
            {
                if (vectors[i].Length != Dimensions)
                    throw new InvalidOperationException($"vector of {vectors[i].Length} dimensions in an index of {Dimensions}");
                block.Add(chunkIds[i], vectors[i]);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public void Remove(IEnumerable<long> chunkIds)
    {
        _lock.EnterWriteLock();
        try
        {
            foreach (var id in chunkIds)
                foreach (var block in _collections.Values)
                    if (block.Remove(id)) break;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public void Clear()
    {
        _lock.EnterWriteLock();
        try { _collections.Clear(); Dimensions = 0; }
        finally { _lock.ExitWriteLock(); }
    }

    /// <summary>The <paramref name="k"/> nearest chunks to <paramref name="query"/> among the given collections only.</summary>
    public List<(long ChunkId, float Similarity)> Search(ReadOnlySpan<float> query, IReadOnlyCollection<string> collectionIds, int k)
    {
        var best = new PriorityQueue<long, float>(k + 1);
        _lock.EnterReadLock();
        try
        {
            if (query.Length != Dimensions) return [];
            foreach (var id in collectionIds)
            {
                if (!_collections.TryGetValue(id, out var block)) continue;
                var data = block.Data.AsSpan(0, block.Count * Dimensions);
                for (var i = 0; i < block.Count; i++)
                {
                    var similarity = TensorPrimitives.Dot(data.Slice(i * Dimensions, Dimensions), query);
                    if (best.Count < k) best.Enqueue(block.Ids[i], similarity);
                    else if (similarity > PeekPriority(best)) best.EnqueueDequeue(block.Ids[i], similarity);
                }
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }
        var results = new List<(long, float)>(best.Count);
        while (best.TryDequeue(out var chunk, out var similarity)) results.Add((chunk, similarity));
        results.Reverse();
        return results;
    }

    private static float PeekPriority(PriorityQueue<long, float> queue)
    {
        queue.TryPeek(out _, out var priority);
        return priority;
    }

    public static float[] Normalize(ReadOnlySpan<float> vector)
    {
        var copy = vector.ToArray();
        var norm = TensorPrimitives.Norm(copy);
        if (norm > 0) TensorPrimitives.Divide(copy, norm, copy);
        return copy;
    }

    /// <summary>One collection's vectors, packed; removal moves the last vector into the hole.</summary>
    private sealed class Block(int dimensions)
    {
        private readonly Dictionary<long, int> _slots = [];
        public long[] Ids = new long[64];
        public float[] Data = new float[64 * dimensions];
        public int Count;

        public void Add(long id, float[] vector)
        {
            if (_slots.TryGetValue(id, out var existing)) { vector.CopyTo(Data, existing * dimensions); return; }
            if (Count == Ids.Length)
            {
                Array.Resize(ref Ids, Ids.Length * 2);
                Array.Resize(ref Data, Data.Length * 2);
            }
            Ids[Count] = id;
            vector.CopyTo(Data, Count * dimensions);
            _slots[id] = Count++;
        }

        public bool Remove(long id)
        {
            if (!_slots.Remove(id, out var slot)) return false;
            var last = --Count;
            if (slot != last)
            {
                Ids[slot] = Ids[last];
                Array.Copy(Data, last * dimensions, Data, slot * dimensions, dimensions);
                _slots[Ids[slot]] = slot;
            }
            return true;
        }
    }
}
