using System.Numerics.Tensors;

namespace Appliance.Rag.Index;

/// <summary>
/// Every chunk vector of the current embedding model, in memory, one contiguous block per
/// collection, searched with SIMD dot products (vectors are L2-normalised, so dot = cosine): a scan
/// over 8-bit codes, then exact float32 scores for the shortlist.
/// Keeping collections apart means a search only ever touches collections the caller may read.
/// Each block remembers the collection generation (see <c>collections.generation</c>) its vectors
/// reflect: writes of this process move it on in commit order, and a search that finds the stored
/// generation elsewhere (another process wrote) reloads the block before scoring it.
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
            for (var i = 0; i < chunkIds.Count; i++) block.Add(chunkIds[i], Checked(vectors[i]));
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>
    /// A write this process committed as <paramref name="generation"/> of a collection: its removed and
    /// added vectors. The block moves on only from the generation just before; a gap means another
    /// writer committed in between, so the block stays behind and the next search reloads it.
    /// </summary>
    public void Apply(string collectionId, long generation, IReadOnlyCollection<long> removed,
        IReadOnlyList<long> added, IReadOnlyList<float[]>? vectors)
    {
        _lock.EnterWriteLock();
        try
        {
            if (!_collections.TryGetValue(collectionId, out var block))
            {
                if (Dimensions == 0 && vectors is { Count: > 0 }) Dimensions = vectors[0].Length;
                if (Dimensions == 0) return;
                _collections[collectionId] = block = new Block(Dimensions) { Generation = generation - 1 };
            }
            foreach (var id in removed) block.Remove(id);
            if (vectors is not null)
                for (var i = 0; i < added.Count; i++) block.Add(added[i], Checked(vectors[i]));
            if (block.Generation == generation - 1) block.Generation = generation;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>The generation a collection's vectors in memory reflect; null when none are loaded.</summary>
    public long? GenerationOf(string collectionId)
    {
        _lock.EnterReadLock();
        try { return _collections.TryGetValue(collectionId, out var block) ? block.Generation : null; }
        finally { _lock.ExitReadLock(); }
    }

    /// <summary>
    /// Makes a collection's block reflect <paramref name="generation"/>: if it reflects another, it is
    /// replaced by <paramref name="load"/>'s vectors (read in the same snapshot as the generation).
    /// </summary>
    /// <returns>whether the block was reloaded</returns>
    public bool EnsureCurrent(string collectionId, long generation, Func<IEnumerable<(long ChunkId, float[] Vector)>> load)
    {
        if (GenerationOf(collectionId) == generation) return false;
        _lock.EnterWriteLock();
        try
        {
            if (_collections.TryGetValue(collectionId, out var current) && current.Generation == generation) return false;
            Block? block = null;
            foreach (var (id, vector) in load())
            {
                if (Dimensions == 0) Dimensions = vector.Length;
                block ??= new Block(Dimensions);
                block.Add(id, Checked(vector));
            }
            if (block is null && Dimensions == 0)
            {
                _collections.Remove(collectionId);
                return true;
            }
            block ??= new Block(Dimensions);
            block.Generation = generation;
            // The old block's vectors leave no copy behind (it may hold an erased chunk's).
            current?.Wipe();
            _collections[collectionId] = block;
            return true;
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

    /// <summary>The vector, when it has this index's dimensions (a model change must re-embed, not mix).</summary>
    private float[] Checked(float[] vector) => vector.Length == Dimensions
        ? vector
        : throw new InvalidOperationException($"vector of {vector.Length} dimensions in an index of {Dimensions}");

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
        public long Generation;

        public void Wipe()
        {
            Array.Clear(Data);
            Array.Clear(Codes);
            Count = 0;
            _slots.Clear();
        }

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
