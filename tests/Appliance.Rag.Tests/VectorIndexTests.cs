using System.Numerics.Tensors;
using Appliance.Rag.Index;

namespace Appliance.Rag.Tests;

/// <summary>The in-memory vector search: 8-bit scan, exact shortlist, collections kept apart.</summary>
public sealed class VectorIndexTests
{
    [Theory]
    [InlineData(96)]   // not a multiple of the 16-wide SIMD step: the tail is summed one by one
    [InlineData(128)]
    public void The_8_bit_scan_with_an_exact_shortlist_finds_the_same_neighbours_as_an_exact_float_search(int dimensions)
    {
        var random = new Random(5);
        var vectors = Enumerable.Range(0, 3000).Select(_ => Unit(random, dimensions)).ToList();
        var index = new VectorIndex();
        index.Add("docs", [.. Enumerable.Range(1, 2000).Select(i => (long)i)], vectors[..2000]);
        index.Add("hr", [.. Enumerable.Range(2001, 1000).Select(i => (long)i)], vectors[2000..]);

        for (var q = 0; q < 40; q++)
        {
            // Half the queries sit near a stored vector, as a question near its answer does.
            var query = q % 2 == 0 ? Unit(random, dimensions) : Near(vectors[random.Next(2000)], random);
            var exact = vectors.Take(2000).Select((v, i) => (Id: (long)(i + 1), Similarity: TensorPrimitives.Dot(v, query)))
                .OrderByDescending(x => x.Similarity).ThenBy(x => x.Id).Take(10).ToList();
            var found = index.Search(query, ["docs"], 10);
            Assert.Equal(exact.Select(x => x.Id), found.Select(x => x.ChunkId));
            Assert.All(found.Zip(exact), pair => Assert.Equal(pair.Second.Similarity, pair.First.Similarity, 1e-6f));
        }
    }

    [Fact]
    public void A_search_never_reaches_a_collection_it_was_not_given_and_removed_vectors_are_gone()
    {
        var random = new Random(8);
        var index = new VectorIndex();
        var hr = Enumerable.Range(0, 50).Select(_ => Unit(random, 64)).ToList();
        index.Add("hr", [.. Enumerable.Range(1, 50).Select(i => (long)i)], hr);
        index.Add("docs", [.. Enumerable.Range(51, 50).Select(i => (long)i)], [.. Enumerable.Range(0, 50).Select(_ => Unit(random, 64))]);

        Assert.All(index.Search(hr[7], ["docs"], 100), hit => Assert.InRange(hit.ChunkId, 51, 100));
        Assert.Equal(8, index.Search(hr[7], ["hr", "docs"], 1)[0].ChunkId);

        index.Remove([8, 60]);
        var all = index.Search(hr[7], ["hr", "docs"], 1000);
        Assert.Equal(98, all.Count);
        Assert.DoesNotContain(all, hit => hit.ChunkId is 8 or 60);
        Assert.Empty(index.Search(new float[65], ["hr"], 5));
    }

    [Fact]
    public void The_integer_dot_product_is_exact_on_every_path()
    {
        var random = new Random(3);
        foreach (var length in new[] { 1, 15, 16, 17, 100, 384, 1024 })
        {
            var codes = Enumerable.Range(0, length).Select(_ => (sbyte)random.Next(-127, 128)).ToArray();
            var query = Enumerable.Range(0, length).Select(_ => (short)random.Next(-Int8Codes.QueryLevels, Int8Codes.QueryLevels + 1)).ToArray();
            var expected = codes.Select((c, i) => c * query[i]).Sum();
            Assert.Equal(expected, Int8Codes.Dot(codes, query));
            var portable = Int8Codes.PortableDot(codes, query, out var done);
            for (var i = done; i < length; i++) portable += codes[i] * query[i];
            Assert.Equal(expected, portable);
        }
    }

    [Fact]
    public void Codes_round_trip_within_half_a_step()
    {
        var vector = Unit(new Random(1), 200);
        // The largest magnitude is a negative value: the scale is still positive.
        vector[17] = -1.5f;
        var codes = new sbyte[200];
        var scale = Int8Codes.Encode(vector, codes);
        Assert.Equal(-127, codes[17]);
        Assert.Equal(127, codes.Max(c => Math.Abs((int)c)));
        Assert.All(vector.Zip(codes), pair => Assert.InRange(pair.First - pair.Second * scale, -scale / 2 - 1e-7f, scale / 2 + 1e-7f));
        Assert.Equal(0f, Int8Codes.Encode(new float[8], new sbyte[8]));
    }

    private static float[] Unit(Random random, int dimensions)
    {
        var v = Enumerable.Range(0, dimensions).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        return VectorIndex.Normalize(v);
    }

    private static float[] Near(float[] vector, Random random) =>
        VectorIndex.Normalize(vector.Select(x => x + (float)(random.NextDouble() - 0.5) * 0.05f).ToArray());
}
