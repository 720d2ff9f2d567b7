using Microsoft.Data.Sqlite;

namespace Appliance.Rag.Index;

/// <summary>The few ways the index's stores talk to SQLite: a parameterised command, rows mapped to records, an IN list.</summary>
internal static class IndexSql
{
    public static SqliteCommand Command(SqliteConnection connection, string sql, SqliteTransaction? transaction = null,
        params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    public static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null,
        params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, sql, transaction, parameters);
        command.ExecuteNonQuery();
    }

    public static object? Scalar(SqliteConnection connection, string sql, SqliteTransaction? transaction = null,
        params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, sql, transaction, parameters);
        return command.ExecuteScalar();
    }

    /// <summary>Every row of <paramref name="command"/>, each mapped by <paramref name="map"/>.</summary>
    public static List<T> Rows<T>(SqliteCommand command, Func<SqliteDataReader, T> map)
    {
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read()) rows.Add(map(reader));
        return rows;
    }

    public static List<T> Rows<T>(SqliteConnection connection, string sql, SqliteTransaction? transaction, Func<SqliteDataReader, T> map,
        params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, sql, transaction, parameters);
        return Rows(command, map);
    }

    public static string? OptionalText(this SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static int? OptionalInt32(this SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt32(ordinal);

    public static long? OptionalInt64(this SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    public static DateTimeOffset Time(this SqliteDataReader reader, int ordinal) => DateTimeOffset.Parse(reader.GetString(ordinal));

    /// <summary>Placeholders <c>$in0, $in1, …</c> for an IN list; bind the values with <see cref="BindInList"/>.</summary>
    public static string InList(int count, string prefix = "$in") => string.Join(", ", Enumerable.Range(0, count).Select(i => $"{prefix}{i}"));

    public static void BindInList<T>(SqliteCommand command, IEnumerable<T> values, string prefix = "$in")
    {
        var i = 0;
        foreach (var value in values) command.Parameters.AddWithValue($"{prefix}{i++}", value!);
    }
}
