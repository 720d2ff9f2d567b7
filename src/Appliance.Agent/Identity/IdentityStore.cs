using System.Security.Cryptography;
using System.Text;
using Appliance.Config;
using Appliance.Inference;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;

namespace Appliance.Agent.Identity;

/// <summary>
/// Users, their roles and groups, password hashes, failed attempts and API tokens, in the agent's
/// SQLite database. appliance.yaml is the source of truth for configured users; LDAP users are
/// recorded on their first sign-in so tokens and lockout work for them too.
/// </summary>
public sealed class IdentityStore
{
    private const string TokenPrefix = "apl_";
    private readonly AgentDatabase _database;
    private readonly TimeProvider _clock;
    private readonly PasswordHasher<string> _hasher = new();

    private IdentityStore(AgentDatabase database, TimeProvider clock) => (_database, _clock) = (database, clock);

    public static async Task<IdentityStore> OpenAsync(string databaseFile, TimeProvider clock, CancellationToken ct)
    {
        var store = new IdentityStore(await AgentDatabase.OpenAsync(databaseFile, ct), clock);
        await using var db = await store.ConnectAsync(ct);
        await Sql.ExecuteAsync(db, """
            CREATE TABLE IF NOT EXISTS users (
                name TEXT PRIMARY KEY,
                display_name TEXT NOT NULL,
                source TEXT NOT NULL,
                password_hash TEXT,
                failed_attempts INTEGER NOT NULL DEFAULT 0,
                locked_until TEXT,
                last_sign_in TEXT);
            CREATE TABLE IF NOT EXISTS user_preferences (
                user TEXT PRIMARY KEY REFERENCES users(name) ON DELETE CASCADE,
                language TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS user_roles (
                user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
                role TEXT NOT NULL,
                PRIMARY KEY (user, role));
            CREATE TABLE IF NOT EXISTS user_groups (
                user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
                group_id TEXT NOT NULL,
                PRIMARY KEY (user, group_id));
            CREATE TABLE IF NOT EXISTS api_tokens (
                id TEXT PRIMARY KEY,
                user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
                name TEXT NOT NULL,
                token_hash BLOB NOT NULL UNIQUE,
                created TEXT NOT NULL,
                last_used TEXT,
                revoked TEXT,
                work_class TEXT NOT NULL DEFAULT 'api');
            """, ct);
        // Stores made before tokens had a class: their tokens keep the API class they always had.
        if (await Sql.ScalarAsync<long>(db, "SELECT COUNT(*) FROM pragma_table_info('api_tokens') WHERE name = 'work_class'", ct) == 0)
            await Sql.ExecuteAsync(db, "ALTER TABLE api_tokens ADD COLUMN work_class TEXT NOT NULL DEFAULT 'api'", ct);
        return store;
    }

    /// <summary>Makes the configured users exactly those of appliance.yaml; passwords and tokens of kept users survive.</summary>
    public async Task SyncFromConfigAsync(AuthSettings auth, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        await using var tx = (SqliteTransaction)await db.BeginTransactionAsync(ct);
        var configured = auth.Users.Select(u => u.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in await Sql.StringsAsync(db, "SELECT name FROM users WHERE source = 'config'", ct))
            if (!configured.Contains(name))
                await Sql.ExecuteAsync(db, "DELETE FROM users WHERE name = $n", ct, ("$n", name));
        foreach (var user in auth.Users)
            await WriteMembershipAsync(db, user.Name, user.DisplayName ?? user.Name, UserSource.Config, user.Roles, user.Groups, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>Records a directory user with the roles and groups the directory gave them at this sign-in.</summary>
    public async Task<ApplianceUser> RecordDirectoryUserAsync(string name, string displayName, IReadOnlyList<Role> roles, IReadOnlyList<string> groups, CancellationToken ct)
    {
        await using (var db = await ConnectAsync(ct))
        {
            await using var tx = (SqliteTransaction)await db.BeginTransactionAsync(ct);
            await WriteMembershipAsync(db, name, displayName, UserSource.Ldap, roles, groups, ct);
            await tx.CommitAsync(ct);
        }
        return (await FindAsync(name, ct))!;
    }

    private static async Task WriteMembershipAsync(SqliteConnection db, string name, string displayName, UserSource source, IReadOnlyList<Role> roles, IReadOnlyList<string> groups, CancellationToken ct)
    {
        await Sql.ExecuteAsync(db, """
            INSERT INTO users (name, display_name, source) VALUES ($n, $d, $s)
            ON CONFLICT(name) DO UPDATE SET display_name = excluded.display_name, source = excluded.source
            """, ct, ("$n", name), ("$d", displayName), ("$s", SourceName(source)));
        await Sql.ExecuteAsync(db, "DELETE FROM user_roles WHERE user = $n; DELETE FROM user_groups WHERE user = $n", ct, ("$n", name));
        foreach (var role in roles.Distinct())
            await Sql.ExecuteAsync(db, "INSERT INTO user_roles (user, role) VALUES ($n, $r)", ct, ("$n", name), ("$r", RoleNames.Of(role)));
        foreach (var group in groups.Distinct(StringComparer.Ordinal))
            await Sql.ExecuteAsync(db, "INSERT INTO user_groups (user, group_id) VALUES ($n, $g)", ct, ("$n", name), ("$g", group));
    }

    public async Task<IReadOnlyList<ApplianceUser>> ListAsync(CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        var names = await Sql.StringsAsync(db, "SELECT name FROM users ORDER BY name", ct);
        var users = new List<ApplianceUser>();
        foreach (var name in names) users.Add((await ReadUserAsync(db, name, ct))!);
        return users;
    }

    public async Task<ApplianceUser?> FindAsync(string name, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        return await ReadUserAsync(db, name, ct);
    }

    public async Task<bool> SetPasswordAsync(string name, string password, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        var changed = await Sql.ExecuteAsync(db,
            "UPDATE users SET password_hash = $h, failed_attempts = 0, locked_until = NULL WHERE name = $n AND source = 'config'",
            ct, ("$h", _hasher.HashPassword(name, password)), ("$n", name));
        return changed == 1;
    }

    /// <summary>Gives every configured user without a password this one (the demo's shortcut; logged by the caller).</summary>
    public async Task<int> SetMissingPasswordsAsync(string password, CancellationToken ct)
    {
        var count = 0;
        foreach (var user in await ListAsync(ct))
            if (user.Source == UserSource.Config && !user.HasPassword && await SetPasswordAsync(user.Name, password, ct))
                count++;
        return count;
    }

    public async Task<bool> UnlockAsync(string name, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        return await Sql.ExecuteAsync(db, "UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE name = $n", ct, ("$n", name)) == 1;
    }

    /// <summary>Checks a local password, counting failures towards the lockout. Null: the user has no local password.</summary>
    public async Task<SignInOutcome?> CheckPasswordAsync(string name, string password, LockoutPolicy lockout, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        var stored = await Sql.ScalarAsync<string>(db, "SELECT password_hash FROM users WHERE name = $n", ct, ("$n", name));
        if (stored is null)
        {
            // Same work as a real check, so response time does not tell which names exist.
            _hasher.VerifyHashedPassword(name, DummyHash.Value, password);
            return null;
        }
        var locked = await LockedUntilAsync(db, name, ct);
        if (locked is not null) return new SignInOutcome.LockedOut(locked.Value);
        var verdict = _hasher.VerifyHashedPassword(name, stored, password);
        if (verdict == PasswordVerificationResult.Failed)
            return await CountFailureAsync(name, lockout, ct);
        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
            await Sql.ExecuteAsync(db, "UPDATE users SET password_hash = $h WHERE name = $n", ct, ("$h", _hasher.HashPassword(name, password)), ("$n", name));
        await RecordSuccessAsync(name, ct);
        return new SignInOutcome.Success((await ReadUserAsync(db, name, ct))!);
    }

    /// <summary>The moment until which the account is locked, if it is locked now.</summary>
    public async Task<DateTimeOffset?> LockedUntilAsync(string name, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        return await LockedUntilAsync(db, name, ct);
    }

    private async Task<DateTimeOffset?> LockedUntilAsync(SqliteConnection db, string name, CancellationToken ct)
    {
        var until = await Sql.ScalarAsync<string>(db, "SELECT locked_until FROM users WHERE name = $n", ct, ("$n", name));
        return until is not null && Time.Parse(until) is var at && at > _clock.GetUtcNow() ? at : null;
    }

    public async Task<SignInOutcome> CountFailureAsync(string name, LockoutPolicy lockout, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        var failures = await Sql.ScalarAsync<long?>(db,
            "UPDATE users SET failed_attempts = failed_attempts + 1 WHERE name = $n RETURNING failed_attempts", ct, ("$n", name));
        if (failures >= lockout.Attempts)
        {
            var until = _clock.GetUtcNow().AddMinutes(lockout.Minutes);
            await Sql.ExecuteAsync(db, "UPDATE users SET failed_attempts = 0, locked_until = $u WHERE name = $n", ct,
                ("$u", Time.Format(until)), ("$n", name));
            return new SignInOutcome.LockedOut(until, ByThisAttempt: true);
        }
        return new SignInOutcome.Failed(KnownAccount: true);
    }

    public async Task RecordSuccessAsync(string name, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        await Sql.ExecuteAsync(db, "UPDATE users SET failed_attempts = 0, locked_until = NULL, last_sign_in = $t WHERE name = $n", ct,
            ("$t", Time.Format(_clock.GetUtcNow())), ("$n", name));
    }

    /// <summary>The page language the person chose, or null when they never chose one (the browser's language then).</summary>
    public async Task<string?> LanguageAsync(string name, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        return await Sql.ScalarAsync<string>(db, "SELECT language FROM user_preferences WHERE user = $n", ct, ("$n", name));
    }

    /// <summary>Remembers the page language a person chose, wherever they sign in next; false when there is no such account.</summary>
    public async Task<bool> SetLanguageAsync(string name, string language, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        if (await Sql.ScalarAsync<long>(db, "SELECT COUNT(*) FROM users WHERE name = $n", ct, ("$n", name)) == 0) return false;
        await Sql.ExecuteAsync(db, "INSERT INTO user_preferences (user, language) VALUES ($n, $l) ON CONFLICT(user) DO UPDATE SET language = excluded.language", ct,
            ("$n", name), ("$l", language));
        return true;
    }

    /// <summary>
    /// Erases what the box keeps of an account: its tokens, password, lockout state, last sign-in and
    /// language. A directory account goes entirely (the directory brings it back at the next sign-in);
    /// an account appliance.yaml still names keeps its name, roles and groups until it is removed
    /// there. Null when there is no such account.
    /// </summary>
    public async Task<AccountErased?> EraseAccountAsync(string name, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        // Overwritten, not just unlinked: an erased password hash must not linger in free pages.
        await Sql.ExecuteAsync(db, "PRAGMA secure_delete = ON", ct);
        await using var tx = (SqliteTransaction)await db.BeginTransactionAsync(ct);
        var source = await Sql.ScalarAsync<string>(db, "SELECT source FROM users WHERE name = $n", ct, ("$n", name));
        if (source is null) return null;
        var tokens = await Sql.ExecuteAsync(db, "DELETE FROM api_tokens WHERE user = $n", ct, ("$n", name));
        await Sql.ExecuteAsync(db, "DELETE FROM user_preferences WHERE user = $n", ct, ("$n", name));
        var configured = source != "ldap";
        if (configured)
            await Sql.ExecuteAsync(db, "UPDATE users SET password_hash = NULL, failed_attempts = 0, locked_until = NULL, last_sign_in = NULL WHERE name = $n", ct, ("$n", name));
        else
            await Sql.ExecuteAsync(db, "DELETE FROM users WHERE name = $n", ct, ("$n", name));
        await tx.CommitAsync(ct);
        return new AccountErased(name, configured ? UserSource.Config : UserSource.Ldap, tokens, StillConfigured: configured);
    }

    public Task<IssuedToken> IssueTokenAsync(string user, string name, CancellationToken ct) => IssueTokenAsync(user, name, WorkPriority.Api, ct);

    /// <param name="workClass">the class of work the token's /v1 requests are scheduled as</param>
    public async Task<IssuedToken> IssueTokenAsync(string user, string name, WorkPriority workClass, CancellationToken ct)
    {
        var secret = TokenPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var id = TokenId();
        var created = _clock.GetUtcNow();
        await using var db = await ConnectAsync(ct);
        await Sql.ExecuteAsync(db, "INSERT INTO api_tokens (id, user, name, token_hash, created, work_class) VALUES ($i, $u, $n, $h, $c, $w)", ct,
            ("$i", id), ("$u", user), ("$n", name), ("$h", TokenHash(secret)), ("$c", Time.Format(created)), ("$w", WorkClassName(workClass)));
        return new IssuedToken(new ApiTokenInfo(id, user, name, created, null, null, workClass), secret);
    }

    /// <summary>The user a token belongs to and the class its work runs as, when it is known and not revoked; records its use.</summary>
    public async Task<TokenHolder?> AuthenticateTokenAsync(string secret, CancellationToken ct)
    {
        if (!secret.StartsWith(TokenPrefix, StringComparison.Ordinal)) return null;
        await using var db = await ConnectAsync(ct);
        await using var command = db.CreateCommand();
        command.CommandText = "UPDATE api_tokens SET last_used = $t WHERE token_hash = $h AND revoked IS NULL RETURNING user, work_class";
        command.Parameters.AddWithValue("$t", Time.Format(_clock.GetUtcNow()));
        command.Parameters.AddWithValue("$h", TokenHash(secret));
        string user, workClass;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct)) return null;
            (user, workClass) = (reader.GetString(0), reader.GetString(1));
        }
        return await ReadUserAsync(db, user, ct) is { } found ? new TokenHolder(found, ParseWorkClass(workClass)) : null;
    }

    /// <param name="user">Only this user's tokens; null for all.</param>
    public async Task<IReadOnlyList<ApiTokenInfo>> ListTokensAsync(string? user, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        await using var command = db.CreateCommand();
        command.CommandText = "SELECT id, user, name, created, last_used, revoked, work_class FROM api_tokens WHERE $u IS NULL OR user = $u ORDER BY created, id";
        command.Parameters.AddWithValue("$u", (object?)user ?? DBNull.Value);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var tokens = new List<ApiTokenInfo>();
        while (await reader.ReadAsync(ct))
            tokens.Add(new ApiTokenInfo(reader.GetString(0), reader.GetString(1), reader.GetString(2), Time.Parse(reader.GetString(3)),
                reader.IsDBNull(4) ? null : Time.Parse(reader.GetString(4)), reader.IsDBNull(5) ? null : Time.Parse(reader.GetString(5)),
                ParseWorkClass(reader.GetString(6))));
        return tokens;
    }

    /// <param name="user">Only if the token belongs to this user; null for any (admins).</param>
    public async Task<bool> RevokeTokenAsync(string id, string? user, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        return await Sql.ExecuteAsync(db, "UPDATE api_tokens SET revoked = $t WHERE id = $i AND revoked IS NULL AND ($u IS NULL OR user = $u)", ct,
            ("$t", Time.Format(_clock.GetUtcNow())), ("$i", id), ("$u", user)) == 1;
    }

    private async Task<ApplianceUser?> ReadUserAsync(SqliteConnection db, string name, CancellationToken ct)
    {
        await using var command = db.CreateCommand();
        command.CommandText = "SELECT display_name, source, password_hash IS NOT NULL, locked_until, last_sign_in FROM users WHERE name = $n";
        command.Parameters.AddWithValue("$n", name);
        string displayName, source;
        bool hasPassword;
        string? lockedUntil, lastSignIn;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct)) return null;
            (displayName, source, hasPassword) = (reader.GetString(0), reader.GetString(1), reader.GetBoolean(2));
            lockedUntil = reader.IsDBNull(3) ? null : reader.GetString(3);
            lastSignIn = reader.IsDBNull(4) ? null : reader.GetString(4);
        }
        var roles = (await Sql.StringsAsync(db, "SELECT role FROM user_roles WHERE user = $n ORDER BY role", ct, ("$n", name))).Select(RoleNames.Parse).ToList();
        var groups = await Sql.StringsAsync(db, "SELECT group_id FROM user_groups WHERE user = $n ORDER BY group_id", ct, ("$n", name));
        return new ApplianceUser(name, displayName, source == "ldap" ? UserSource.Ldap : UserSource.Config, roles, groups, hasPassword,
            lockedUntil is null ? null : Time.Parse(lockedUntil), lastSignIn is null ? null : Time.Parse(lastSignIn));
    }

    private Task<SqliteConnection> ConnectAsync(CancellationToken ct) => _database.ConnectAsync(ct);

    private static string SourceName(UserSource source) => source == UserSource.Ldap ? "ldap" : "config";

    private static string WorkClassName(WorkPriority workClass) => workClass.ToString().ToLowerInvariant();

    private static WorkPriority ParseWorkClass(string stored) =>
        Enum.TryParse<WorkPriority>(stored, ignoreCase: true, out var workClass) ? workClass : WorkPriority.Api;

    // Tokens carry 256 random bits, so a fast hash is enough: nothing to brute-force.
    private static byte[] TokenHash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    /// <summary>Characters of a token id: none that are read as another (no 0/o, 1/l/i), so an id read aloud or retyped is the same id.</summary>
    private const string TokenIdAlphabet = "abcdefghjkmnpqrstuvwxyz23456789";

    /// <summary>Ten characters of <see cref="TokenIdAlphabet"/> (about 49 bits, as before): an id to name a token, not a secret.</summary>
    private static string TokenId() => RandomNumberGenerator.GetString(TokenIdAlphabet, 10);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static class DummyHash
    {
        public static readonly string Value = new PasswordHasher<string>().HashPassword("nobody", "no password");
    }
}
