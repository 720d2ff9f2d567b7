using Appliance.Rag.Chunking;
using Appliance.Rag.Index;
using Appliance.Rag.Sources;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Data.Sqlite;

namespace Appliance.Rag.Tests;

/// <summary>
/// The common-terms BM25 ranking against the plain FTS5 query it replaces (every word OR-ed, bm25()
/// over all matching rows), on a collection whose words range from very rare to in every row.
/// </summary>
public sealed class LexicalRankingTests : IClassFixture<LexicalRankingTests.Collection>
{
    private readonly Collection _collection;

    public LexicalRankingTests(Collection collection) => _collection = collection;

    private static Gen<string[]> Questions() =>
        Gen.Choose(1, 6).SelectMany(n => Gen.ArrayOf(Gen.Elements(Collection.Vocabulary), n));

    [Fact]
    public void Every_candidate_gets_the_bm25_of_the_whole_question_and_only_rows_sharing_just_common_words_are_left_out()
    {
        var (everyRow, split) = (0, 0);
        var property = Prop.ForAll(Arb.From(Questions()), words =>
        {
            using var connection = _collection.Index.Connect();
            var terms = words.Distinct().ToList();
            var table = _collection.Statistics(connection);
            var plan = CommonTermsRanking.Plan(connection, null, table, terms);
            var ranked = CommonTermsRanking.Rank(connection, null, table, terms, Collection.Limit);
            var whole = AllScores(connection, string.Join(" OR ", terms.Select(t => $"\"{t}\"")));

            // Exact scores: a word in half the rows or more is left out, and its BM25 weight is 1e-6.
            Assert.All(ranked, hit => Assert.Equal(whole[hit.ChunkId], hit.Bm25, 1e-4));
            Assert.Equal(ranked.OrderBy(h => h.Bm25).ThenBy(h => h.ChunkId), ranked);

            // The best of the rows the plan reaches, in the whole question's order.
            var reached = plan.SelectMany(match => AllScores(connection, match).Keys).ToHashSet();
            var expected = whole.Where(w => reached.Contains(w.Key)).Select(w => w.Value).Order().Take(Collection.Limit).ToList();
            Assert.Equal(expected.Count, ranked.Count);
            for (var i = 0; i < expected.Count; i++) Assert.Equal(expected[i], ranked[i].Bm25, 1e-4);
            if (plan.Count == 1) everyRow++;
            if (plan.Count == 2) split++;
        });
        Check.One(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(150), property);
        Assert.True(everyRow > 0, "some questions have only rare words, and then every matching row competes");
        Assert.True(split > 20, "most questions mix rare and common words");
    }

    [Fact]
    public void Questions_with_rare_and_common_words_split_into_two_disjoint_queries_that_cover_every_row_with_a_rare_word()
    {
        using var connection = _collection.Index.Connect();
        string[] terms = ["everywhere", "regular", "kestrel"];
        var plan = CommonTermsRanking.Plan(connection, null, _collection.Statistics(connection), terms);
        Assert.Equal(2, plan.Count);
        var (rareOnly, both) = (AllScores(connection, plan[0]).Keys.ToHashSet(), AllScores(connection, plan[1]).Keys.ToHashSet());
        Assert.Empty(rareOnly.Intersect(both));
        Assert.Equal(AllScores(connection, "\"kestrel\"").Keys.ToHashSet(), rareOnly.Union(both).ToHashSet());
        Assert.DoesNotContain("everywhere", string.Join(' ', plan));
    }

    [Fact]
    public async Task Remembered_word_counts_give_the_same_ranking_and_any_write_even_by_another_process_makes_them_stale()
    {
        var folder = Directory.CreateTempSubdirectory("word-counts").FullName;
        try
        {
            var path = Path.Combine(folder, "library.db");
            using var index = LibraryIndex.Open(path);
            var collection = (await index.Collections.SyncAsync([new CollectionSpec("docs", "Docs", ["everyone"])], CancellationToken.None))[0];
            await AddAsync(index, collection, "a.txt", ["ocelot kestrel meadow", "kestrel meadow", "meadow river", "river"]);
            string[] terms = ["kestrel", "meadow", "river"];

            List<(long ChunkId, double Bm25)> Ranked(bool remembering)
            {
                using var connection = index.Connect();
                return CommonTermsRanking.Rank(connection, null, index.Chunks.Statistics(connection, null, collection), terms, 10,
                    remembering ? index.Frequencies : null);
            }

            var fresh = Ranked(remembering: false);
            Assert.Equal(fresh, Ranked(remembering: true));
            Assert.True(index.Frequencies.Mentions("kestrel"));
            Assert.Equal(fresh, Ranked(remembering: true));

            // This process writes: the counts go at once.
            await AddAsync(index, collection, "b.txt", ["kestrel kestrel", "kestrel river"]);
            Assert.False(index.Frequencies.Mentions("kestrel"));
            Assert.Equal(Ranked(remembering: false), Ranked(remembering: true));

            // Another process writes: the generation read in the next query's snapshot tells.
            using (var other = LibraryIndex.Open(path))
                await AddAsync(other, collection, "c.txt", ["kestrel only", "kestrel again", "meadow"]);
            using (var connection = index.Connect())
            {
                var table = index.Chunks.Statistics(connection, null, collection);
                Assert.False(index.Frequencies.TryGet("docs", table.Generation, "\"kestrel\"", out _));
            }
            Assert.Equal(Ranked(remembering: false), Ranked(remembering: true));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static Task AddAsync(LibraryIndex index, StoredCollection collection, string path, string[] texts) =>
        index.Documents.ReplaceAsync(
            new DocumentWrite(LibraryIndex.DocumentIdFor(collection.Id, path), collection.Id, path, Origin.Source, path, "text", 1, path, null),
            collection, [.. texts.Select((t, i) => new Chunk(i, t, null, "", 0, t.Length, 3))], null, null, CancellationToken.None);

    [Fact]
    public void A_question_of_words_that_do_not_occur_plans_nothing()
    {
        using var connection = _collection.Index.Connect();
        var table = _collection.Statistics(connection);
        Assert.Empty(CommonTermsRanking.Plan(connection, null, table, ["zzyzx", "qwxv"]));
        Assert.Empty(CommonTermsRanking.Rank(connection, null, table, ["zzyzx"], 10));
    }

    private Dictionary<long, double> AllScores(SqliteConnection connection, string match)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT rowid, bm25({_collection.Table}, {FtsTable.Weights}) FROM {_collection.Table} WHERE {_collection.Table} MATCH $q";
        command.Parameters.AddWithValue("$q", match);
        using var reader = command.ExecuteReader();
        var scores = new Dictionary<long, double>();
        while (reader.Read()) scores[reader.GetInt64(0)] = reader.GetDouble(1);
        return scores;
    }

    /// <summary>
    /// 40 documents of 15 chunks whose words occur in about 100%, 60%, 30%, 12%, 5%, 2% and 0.5% of
    /// the rows, once to three times, some in titles and section paths (which weigh more), chunk
    /// lengths varying from 10 to 160 words.
    /// </summary>
    public sealed class Collection : IDisposable
    {
        public const int Limit = 12;

        private static readonly (string Word, double Share)[] Words =
        [
            ("everywhere", 1.0), ("often", 0.6), ("usual", 0.6), ("common", 0.3), ("regular", 0.3), ("frequent", 0.3),
            ("medium", 0.12), ("middling", 0.12), ("moderate", 0.12), ("uncommon", 0.05), ("sparse", 0.05),
            ("scarce", 0.02), ("seldom", 0.02), ("kestrel", 0.005), ("ocelot", 0.005),
        ];

        public static readonly string[] Vocabulary = [.. Words.Select(w => w.Word)];

        private readonly string _folder = Directory.CreateTempSubdirectory("lexical-ranking").FullName;

        public Collection()
        {
            Index = LibraryIndex.Open(Path.Combine(_folder, "library.db"));
            var collection = Index.Collections.SyncAsync([new CollectionSpec("docs", "Docs", ["everyone"])], CancellationToken.None).GetAwaiter().GetResult()[0];
            Table = collection.FtsTable;
            var random = new Random(11);
            for (var d = 0; d < 40; d++)
            {
                var title = d % 13 == 0 ? "kestrel notes" : d % 7 == 1 ? "medium questions" : "document " + d;
                var chunks = Enumerable.Range(0, 15).Select(i =>
                {
                    var tokens = Enumerable.Range(0, 10 + random.Next(150)).Select(_ => "filler" + random.Next(400)).ToList();
                    foreach (var (word, share) in Words)
                        if (random.NextDouble() < share)
                            for (var n = 1 + random.Next(3); n > 0; n--) tokens.Insert(random.Next(tokens.Count + 1), word);
                    var text = string.Join(' ', tokens);
                    return new Chunk(i, text, null, i % 4 == 0 ? "Doc › moderate part" : "Doc", 0, text.Length, tokens.Count);
                }).ToList();
                var write = new DocumentWrite(LibraryIndex.DocumentIdFor("docs", $"d{d}.txt"), "docs", $"d{d}.txt", Origin.Source, title, "text", 1, $"hash{d}", null);
                Index.Documents.ReplaceAsync(write, collection, chunks, null, null, CancellationToken.None).GetAwaiter().GetResult();
            }
            _stored = collection;
        }

        private readonly StoredCollection _stored;

        internal LibraryIndex Index { get; }
        internal FtsTable Table { get; }

        internal TableStatistics Statistics(SqliteConnection connection) => Index.Chunks.Statistics(connection, null, _stored);

        public void Dispose()
        {
            Index.Dispose();
            Directory.Delete(_folder, recursive: true);
        }
    }
}
