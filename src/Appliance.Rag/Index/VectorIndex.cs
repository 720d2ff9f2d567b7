using System.Numerics.Tensors;

namespace Appliance.Rag.Index;

/// <summary>
/// Every chunk vector of the current embedding model, in memory, one contiguous block per
/// collection, searched with SIMD dot products (vectors are L2-normalised, so dot = cosine): a scan
/// over 8-bit codes, then exact float32 scores for the shortlist.
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
    /// <remarks>
    /// The scan ranks by the 8-bit codes (a quarter of the memory traffic of float32), keeps a
    /// shortlist of twice k, and ranks the shortlist by the exact float32 dot product: the result is
    /// the exact top k unless the codes' rounding (about 1e-3 of a similarity) pushed a true
    /// neighbour out of a shortlist twice as long as needed.
    /// </remarks>
    public List<(long ChunkId, float Similarity)> Search(ReadOnlySpan<float> query, IReadOnlyCollection<string> collectionIds, int k)
    {
        if (k <= 0) return [];
        var shortlist = 2 * k + 8;
        _lock.EnterReadLock();
        try
        {
            if (query.Length != Dimensions) return [];
            Span<short> codes = query.Length <= 2048 ? stackalloc short[query.Length] : new short[query.Length];
            Int8Codes.EncodeQuery(query, codes);
            var blocks = new List<Block>(collectionIds.Count);
            var best = new PriorityQueue<(int Block, int Slot), float>(shortlist + 1);
            var floor = float.NegativeInfinity;
            foreach (var id in collectionIds)
            {
                if (!_collections.TryGetValue(id, out var block)) continue;
                blocks.Add(block);
                var data = block.Codes.AsSpan(0, block.Count * Dimensions);
                var scales = block.Scales.AsSpan(0, block.Count);
                for (var i = 0; i < scales.Length; i++)
                {
                    var approximate = scales[i] * Int8Codes.Dot(data.Slice(i * Dimensions, Dimensions), codes);
                    if (approximate <= floor) continue;
                    if (best.Count < shortlist) best.Enqueue((blocks.Count - 1, i), approximate);
                    else best.EnqueueDequeue((blocks.Count - 1, i), approximate);
                    if (best.Count == shortlist) best.TryPeek(out _, out floor);
                }
            }
            var exact = new List<(long ChunkId, float Similarity)>(best.Count);
            while (best.TryDequeue(out var at, out _))
            {
                var block = blocks[at.Block];
                exact.Add((block.Ids[at.Slot], TensorPrimitives.Dot(block.Data.AsSpan(at.Slot * Dimensions, Dimensions), query)));
            }
            exact.Sort((a, b) => b.Similarity != a.Similarity ? b.Similarity.CompareTo(a.Similarity) : a.ChunkId.CompareTo(b.ChunkId));
            return exact.Count > k ? exact.GetRange(0, k) : exact;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public static float[] Normalize(ReadOnlySpan<float> vector)
    {
        var copy = vector.ToArray();
        var norm = TensorPrimitives.Norm(copy);
        if (norm > 0) TensorPrimitives.Divide(copy, norm, copy);
        return copy;
    }

    /// <summary>
    /// One collection's vectors, packed: float32 for exact scores, 8-bit codes with a scale each for
    /// the scan; removal moves the last vector into the hole.
    /// </summary>
    private sealed class Block(int dimensions)
    {
        private readonly Dictionary<long, int> _slots = [];
        public long[] Ids = new long[64];
        public float[] Data = new float[64 * dimensions];
        public sbyte[] Codes = new sbyte[64 * dimensions];
        public float[] Scales = new float[64];
        public int Count;

        public void Add(long id, float[] vector)
        {
            if (!_slots.TryGetValue(id, out var slot))
            {
                if (Count == Ids.Length)
                {
                    Array.Resize(ref Ids, Ids.Length * 2);
                    Array.Resize(ref Data, Data.Length * 2);
                    Array.Resize(ref Codes, Codes.Length * 2);
                    Array.Resize(ref Scales, Scales.Length * 2);
                }
                slot = Count++;
                Ids[slot] = id;
                _slots[id] = slot;
            }
            vector.CopyTo(Data, slot * dimensions);
            Scales[slot] = Int8Codes.Encode(vector, Codes.AsSpan(slot * dimensions, dimensions));
        }

        public bool Remove(long id)
        {
            if (!_slots.Remove(id, out var slot)) return false;
            var last = --Count;
            if (slot != last)
            {
                Ids[slot] = Ids[last];
                Array.Copy(Data, last * dimensions, Data, slot * dimensions, dimensions);
                Array.Copy(Codes, last * dimensions, Codes, slot * dimensions, dimensions);
                Scales[slot] = Scales[last];
                _slots[Ids[slot]] = slot;
            }
            // An erased chunk's vector leaves no copy behind in memory.
            Array.Clear(Data, last * dimensions, dimensions);
            Array.Clear(Codes, last * dimensions, dimensions);
            Scales[last] = 0;
            Ids[last] = 0;
            return true;
        }
    }
}
