using Microsoft.Data.Sqlite;

namespace Appliance.Rag.Index;

/// <summary>
/// The FTS5 table of one collection: title and section weigh more than body text. Contentless: it
/// holds the analysed terms of each chunk (see <see cref="IndexedText"/>); the original text stays in
/// <c>chunks</c>. A row is deleted by replaying its terms (analysis is deterministic), which lets the
/// secure-delete option scrub them from the index's pages — a tombstone would leave them there.
/// SQL cannot bind a table's name, so it is written into statements: this type only ever holds a
/// name it made itself (<c>fts_</c> and a number), whether new or read back from the database.
/// </summary>
internal readonly record struct FtsTable
{
    private const string Prefix = "fts_";

    /// <summary>bm25() weights of the title, section and text columns.</summary>
    public const string Weights = "6.0, 3.0, 1.0";

    private readonly string? _name;

    private FtsTable(string name) => _name = name;

    public string Name => _name ?? throw new InvalidOperationException("No full-text table was named.");

    public int Ordinal => int.Parse(Name.AsSpan(Prefix.Length));

    public static FtsTable Numbered(int ordinal) =>
        ordinal >= 0 ? new FtsTable(Prefix + ordinal) : throw new ArgumentOutOfRangeException(nameof(ordinal));

    /// <summary>A name read from the <c>collections</c> table; anything but <c>fts_</c> and digits is refused.</summary>
    public static FtsTable FromStored(string name) =>
        name.Length > Prefix.Length && name.StartsWith(Prefix, StringComparison.Ordinal) && name.AsSpan(Prefix.Length).IndexOfAnyExceptInRange('0', '9') < 0
            ? new FtsTable(name)
            : throw new InvalidDataException($"'{name}' is not a full-text table this index made.");

    public override string ToString() => Name;

    public string CreateSql => $"""
        CREATE VIRTUAL TABLE IF NOT EXISTS {Name} USING fts5(
            title, section, text, content='',
            tokenize='unicode61 remove_diacritics 0');
        INSERT INTO {Name}({Name}, rank) VALUES('secure-delete', 1);
        """;

    public string DropSql => $"DROP TABLE IF EXISTS {Name};";

    /// <summary>Adds the analysed chunks as rows under their chunk ids.</summary>
    public void Insert(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<long> ids, IReadOnlyList<AnalysedChunk> analysed) =>
        Write(connection, transaction, $"INSERT INTO {Name}(rowid, title, section, text) VALUES ($id, $title, $s, $text)", ids, analysed);

    /// <summary>Removes rows by replaying the terms they were inserted with (see the type's comment).</summary>
    public void Delete(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<long> ids, IReadOnlyList<AnalysedChunk> analysed) =>
        Write(connection, transaction, $"INSERT INTO {Name}({Name}, rowid, title, section, text) VALUES ('delete', $id, $title, $s, $text)", ids, analysed);

    private static void Write(SqliteConnection connection, SqliteTransaction transaction, string sql, IReadOnlyList<long> ids, IReadOnlyList<AnalysedChunk> analysed)
    {
        using var command = IndexSql.Command(connection, sql, transaction);
        var id = command.Parameters.Add("$id", SqliteType.Integer);
        var title = command.Parameters.Add("$title", SqliteType.Text);
        var section = command.Parameters.Add("$s", SqliteType.Text);
        var text = command.Parameters.Add("$text", SqliteType.Text);
        for (var i = 0; i < ids.Count; i++)
        {
            (id.Value, title.Value, section.Value, text.Value) = (ids[i], analysed[i].Title, analysed[i].Section, analysed[i].Text);
            command.ExecuteNonQuery();
        }
    }
}
