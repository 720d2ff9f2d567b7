using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Appliance.Agent;

/// <summary>The few shapes of SQLite call the agent's stores make, with named parameters.</summary>
internal static class Sql
{
    public static async Task<int> ExecuteAsync(SqliteConnection db, string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var command = Prepare(db, sql, parameters);
        return await command.ExecuteNonQueryAsync(ct);
    }

    public static async Task<T?> ScalarAsync<T>(SqliteConnection db, string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var command = Prepare(db, sql, parameters);
        var value = await command.ExecuteScalarAsync(ct);
        if (value is null or DBNull) return default;
        var target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        return (T)Convert.ChangeType(value, target, CultureInfo.InvariantCulture);
    }

    public static async Task<List<string>> StringsAsync(SqliteConnection db, string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var command = Prepare(db, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var values = new List<string>();
        while (await reader.ReadAsync(ct)) values.Add(reader.GetString(0));
        return values;
    }

    public static SqliteCommand Prepare(SqliteConnection db, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = db.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }
}
