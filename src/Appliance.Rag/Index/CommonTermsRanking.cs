using Microsoft.Data.Sqlite;

namespace Appliance.Rag.Index;

/// <summary>
/// BM25 top-n over one collection's FTS5 table, without pushing every row that shares one common
/// word with the question through bm25(). FTS5 scores all rows matching any OR-ed word, and a word
/// found in a third of the collection ("file", "function") makes that tens of thousands of rows for
/// a fraction of a point of score each. As Lucene's common-terms query does, candidates are gathered
/// through the question's rarer words only (the rarest first, while together they occur in at most
/// <see cref="RareShare"/> of the rows), and every candidate is then scored by BM25 over all the
/// words: a chunk sharing nothing but common words with the question is no candidate, but each
/// candidate's score is exactly what bm25() over the whole question gives it.
/// Word frequencies come from the collection's own table and the collection's own row count, so
/// nothing outside the collections a caller may read weighs in (see <see cref="WordFrequencies"/>
/// for how counts are kept between queries and forgotten on every write).
/// </summary>
internal static class CommonTermsRanking
{
    /// <summary>
    /// Share of a collection's rows the rare words may match together. Scale-free: BM25's IDF depends
    /// on a word's share of rows, not on the row count, so a collection grown tenfold selects the same
    /// words; a word in more than this share of rows has an IDF below ln(1/share - 1) ≈ 1.7. On the
    /// bench's manual, 0.15 and above rank exactly like the whole OR query; 0.1 starts to differ.
    /// </summary>
    public const double RareShare = 0.15;

    /// <summary>
    /// The full-text queries whose best rows, merged, are the collection's BM25 top-n for
    /// <paramref name="terms"/>: none (no word occurs), one, or two that match disjoint rows (so they
    /// may run side by side, on separate connections).
    /// </summary>
    /// <param name="table">the collection's table, its row count (for the words' shares) and generation</param>
    /// <param name="terms">the question's words, each matched as one quoted FTS5 phrase</param>
    /// <param name="remembered">word counts kept between queries, if any</param>
    public static IReadOnlyList<string> Plan(SqliteConnection connection, SqliteTransaction? transaction, TableStatistics table,
        IReadOnlyList<string> terms, WordFrequencies? remembered = null, double rareShare = RareShare)
    {
        var rows = table.Rows;
        var phrases = terms.Select(t => $"\"{t.Replace("\"", "\"\"")}\"").Distinct().ToList();
        if (phrases.Count <= 1) return phrases;

        var frequencies = DocumentFrequencies(connection, transaction, table, phrases, remembered);
        var present = phrases.Where(p => frequencies[p] > 0).ToList();
        // A word in half the rows or more gets BM25's floor IDF of 1e-6: it cannot change a ranking,
        // and only costs a walk over its whole posting list.
        var scoring = present.Where(p => frequencies[p] < rows / 2.0).OrderBy(p => frequencies[p]).ToList();
        if (scoring.Count == 0) return present.Count == 0 ? [] : [Or(present)];

        var rare = 1;
        var covered = frequencies[scoring[0]];
        while (rare < scoring.Count && covered + frequencies[scoring[rare]] <= rareShare * rows) covered += frequencies[scoring[rare++]];
        if (rare == scoring.Count) return [Or(scoring)];

        // bm25() is a sum over the expression's phrases, and a phrase's IDF does not depend on the
        // expression. Rows with rare words only come from "rare NOT common" (the common phrases are
        // absent from those rows, so add nothing), rows with both from "rare AND common": each row is
        // scored once, with every phrase of the question, exactly as the whole OR query would.
        var rareMatch = Or(scoring.Take(rare));
        var commonMatch = Or(scoring.Skip(rare));
        return [$"({rareMatch}) NOT ({commonMatch})", $"({rareMatch}) AND ({commonMatch})"];
    }

    /// <summary>The <paramref name="limit"/> best rows for one planned query, with their bm25() value (lower is better, as SQLite reports it).</summary>
    public static List<(long ChunkId, double Bm25)> TopN(SqliteConnection connection, SqliteTransaction? transaction, FtsTable ftsTable,
        string match, int limit)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText =
            $"SELECT rowid, bm25({ftsTable}, {FtsTable.Weights}) AS score FROM {ftsTable} WHERE {ftsTable} MATCH $q ORDER BY score, rowid LIMIT $n";
        command.Parameters.AddWithValue("$q", match);
        command.Parameters.AddWithValue("$n", limit);
        using var reader = command.ExecuteReader();
        var hits = new List<(long, double)>(limit);
        while (reader.Read()) hits.Add((reader.GetInt64(0), reader.GetDouble(1)));
        return hits;
    }

    /// <summary>The best <paramref name="limit"/> rows of the planned queries' best-first lists.</summary>
    public static List<(long ChunkId, double Bm25)> Merge(IEnumerable<List<(long ChunkId, double Bm25)>> lists, int limit) =>
        [.. lists.SelectMany(l => l).DistinctBy(h => h.ChunkId).OrderBy(h => h.Bm25).ThenBy(h => h.ChunkId).Take(limit)];

    /// <summary>Plan, run and merge on one connection: the collection's BM25 top-n for <paramref name="terms"/>, best first.</summary>
    public static List<(long ChunkId, double Bm25)> Rank(SqliteConnection connection, SqliteTransaction? transaction, TableStatistics table,
        IReadOnlyList<string> terms, int limit, WordFrequencies? remembered = null, double rareShare = RareShare) =>
        Merge(Plan(connection, transaction, table, terms, remembered, rareShare)
            .Select(m => TopN(connection, transaction, table.FtsTable, m, limit)), limit);

    private static string Or(IEnumerable<string> phrases) => string.Join(" OR ", phrases);

    private static Dictionary<string, long> DocumentFrequencies(SqliteConnection connection, SqliteTransaction? transaction,
        TableStatistics table, IReadOnlyList<string> phrases, WordFrequencies? remembered)
    {
        var frequencies = new Dictionary<string, long>(phrases.Count, StringComparer.Ordinal);
        var unknown = new List<string>();
        foreach (var phrase in phrases)
            if (remembered is not null && remembered.TryGet(table.CollectionId, table.Generation, phrase, out var known)) frequencies[phrase] = known;
            else unknown.Add(phrase);
        if (unknown.Count == 0) return frequencies;

        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT " + string.Join(", ",
            unknown.Select((_, i) => $"(SELECT count(*) FROM {table.FtsTable} WHERE {table.FtsTable} MATCH $p{i})"));
        for (var i = 0; i < unknown.Count; i++) command.Parameters.AddWithValue($"$p{i}", unknown[i]);
        using (var reader = command.ExecuteReader())
        {
            reader.Read();
            for (var i = 0; i < unknown.Count; i++) frequencies[unknown[i]] = reader.GetInt64(i);
        }
        remembered?.Remember(table.CollectionId, table.Generation, unknown.Select(p => (p, frequencies[p])));
        return frequencies;
    }
}
