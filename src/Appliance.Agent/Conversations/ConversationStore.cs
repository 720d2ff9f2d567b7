using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Appliance.Agent.Documents;
using Appliance.Rag;
using Microsoft.Data.Sqlite;

namespace Appliance.Agent.Conversations;

/// <summary>
/// Each employee's conversations — questions, answers and their citations — in data/conversations.db,
/// separate from the query log: this is the user's own data, read only by its owner (every call names
/// the owner and sees nothing else), deleted by them, purged after privacy.history.retention_days and
/// erased with the person. Deleting overwrites (secure_delete). Thumbs outlive a deleted conversation
/// only as counts per collection, without the comment.
/// Kept as one store (about 400 lines) on purpose: conversations, turns, thumbs and attachments live
/// and die together in one transaction per change, and every query names the owner the same way.
/// </summary>
public sealed class ConversationStore
{
    public const string FileName = "conversations.db";
    public const int MaxTitleLength = 120;
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly AgentDatabase _database;
    private readonly TimeProvider _clock;

    private ConversationStore(AgentDatabase database, TimeProvider clock) => (_database, _clock) = (database, clock);

    public static async Task<ConversationStore> OpenAsync(string databaseFile, TimeProvider clock, CancellationToken ct)
    {
        var store = new ConversationStore(await AgentDatabase.OpenAsync(databaseFile, ct), clock);
        await using var db = await store.ConnectAsync(ct);
        await Sql.ExecuteAsync(db, """
            CREATE TABLE IF NOT EXISTS conversations (
                id TEXT PRIMARY KEY,
                user TEXT NOT NULL,
                title TEXT NOT NULL,
                collections TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS conversations_user ON conversations(user, updated_at);
            CREATE INDEX IF NOT EXISTS conversations_updated ON conversations(updated_at);
            CREATE TABLE IF NOT EXISTS turns (
                id INTEGER PRIMARY KEY,
                conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
                question TEXT NOT NULL,
                searched TEXT NOT NULL,
                answer TEXT NOT NULL,
                sources TEXT NOT NULL,
                citations TEXT NOT NULL,
                notice TEXT NOT NULL,
                test_model INTEGER NOT NULL,
                extractive INTEGER NOT NULL,
                outcome TEXT NOT NULL,
                asked_at TEXT NOT NULL,
                rating TEXT);
            CREATE INDEX IF NOT EXISTS turns_conversation ON turns(conversation_id, id);
            CREATE TABLE IF NOT EXISTS feedback (
                id INTEGER PRIMARY KEY,
                turn_id INTEGER UNIQUE REFERENCES turns(id) ON DELETE SET NULL,
                at TEXT NOT NULL,
                rating TEXT NOT NULL,
                comment TEXT,
                collections TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS attachments (
                id TEXT PRIMARY KEY,
                conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                title TEXT NOT NULL,
                format TEXT NOT NULL,
                text TEXT NOT NULL,
                added_at TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS attachments_conversation ON attachments(conversation_id);
            CREATE TABLE IF NOT EXISTS attachment_passages (
                id INTEGER PRIMARY KEY,
                attachment_id TEXT NOT NULL REFERENCES attachments(id) ON DELETE CASCADE,
                page INTEGER,
                section TEXT NOT NULL,
                start_char INTEGER NOT NULL,
                end_char INTEGER NOT NULL,
                text TEXT NOT NULL,
                vector BLOB);
            CREATE INDEX IF NOT EXISTS attachment_passages_attachment ON attachment_passages(attachment_id);
            CREATE TRIGGER IF NOT EXISTS feedback_forgets_comment AFTER DELETE ON turns
            BEGIN UPDATE feedback SET comment = NULL WHERE turn_id IS NULL AND comment IS NOT NULL; END;
            """, ct);
        return store;
    }

    /// <summary>A new conversation titled by its first question (cut to <see cref="MaxTitleLength"/> characters).</summary>
    public async Task<ConversationSummary> CreateAsync(string user, string firstQuestion, IReadOnlyList<string>? collections, CancellationToken ct)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var now = _clock.GetUtcNow();
        var title = TitleOf(firstQuestion);
        await using var db = await ConnectAsync(ct);
        await Sql.ExecuteAsync(db, "INSERT INTO conversations (id, user, title, collections, created_at, updated_at) VALUES ($id, $u, $t, $c, $at, $at)", ct,
            ("$id", id), ("$u", user), ("$t", title), ("$c", collections is null ? null : JsonSerializer.Serialize(collections)), ("$at", Time.Format(now)));
        return new ConversationSummary(id, title, now, now, collections, 0);
    }

    /// <summary>
    /// The owner's conversations, most recent first; with <paramref name="words"/>, only those whose
    /// title or questions contain every word (case-insensitive).
    /// </summary>
    public async Task<IReadOnlyList<ConversationSummary>> ListAsync(string user, string? words, CancellationToken ct)
    {
        var terms = (words ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Take(8).ToList();
        var sql = new StringBuilder("""
            SELECT c.id, c.title, c.created_at, c.updated_at, c.collections, (SELECT COUNT(*) FROM turns t WHERE t.conversation_id = c.id)
            FROM conversations c WHERE c.user = $u
            """);
        var parameters = new List<(string, object?)> { ("$u", user) };
        for (var i = 0; i < terms.Count; i++)
        {
            sql.Append($" AND (c.title LIKE $w{i} ESCAPE '\\' OR EXISTS (SELECT 1 FROM turns t WHERE t.conversation_id = c.id AND t.question LIKE $w{i} ESCAPE '\\'))");
            parameters.Add(($"$w{i}", "%" + EscapeLike(terms[i]) + "%"));
        }
        sql.Append(" ORDER BY c.updated_at DESC, c.rowid DESC LIMIT 200");
        await using var db = await ConnectAsync(ct);
        await using var command = Sql.Prepare(db, sql.ToString(), [.. parameters]);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var list = new List<ConversationSummary>();
        while (await reader.ReadAsync(ct)) list.Add(SummaryFrom(reader));
        return list;
    }

    /// <summary>The conversation with its turns, or null when the owner has none with this id.</summary>
    public async Task<Conversation?> GetAsync(string user, string id, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        var summary = await SummaryAsync(db, user, id, ct);
        if (summary is null) return null;
        await using var command = Sql.Prepare(db, """
            SELECT id, question, searched, answer, sources, citations, notice, test_model, extractive, outcome, asked_at, rating
            FROM turns WHERE conversation_id = $id ORDER BY id
            """, ("$id", id));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var turns = new List<Turn>();
        while (await reader.ReadAsync(ct))
            turns.Add(new Turn(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                Citations(reader.GetString(4)), Citations(reader.GetString(5)), reader.GetString(6), reader.GetInt64(7) != 0, reader.GetInt64(8) != 0,
                Enum.Parse<TurnOutcome>(reader.GetString(9)), Time.Parse(reader.GetString(10)),
                reader.IsDBNull(11) ? null : Enum.Parse<Rating>(reader.GetString(11))));
        return new Conversation(summary, turns, await AttachmentsAsync(db, id, null, ct));
    }

    /// <summary>Stores a file read for the owner's conversation; null when they have no such conversation.</summary>
    public async Task<Attachment?> AttachAsync(string user, string conversationId, string name, PrivateDocument document, CancellationToken ct)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var now = _clock.GetUtcNow();
        await using var db = await ConnectAsync(ct);
        await using var tx = (SqliteTransaction)await db.BeginTransactionAsync(ct);
        if (await Sql.ExecuteAsync(db, "UPDATE conversations SET updated_at = $at WHERE id = $id AND user = $u", ct,
                ("$at", Time.Format(now)), ("$id", conversationId), ("$u", user)) == 0)
            return null;
        await Sql.ExecuteAsync(db, "INSERT INTO attachments (id, conversation_id, name, title, format, text, added_at) VALUES ($id, $c, $n, $t, $f, $x, $at)", ct,
            ("$id", id), ("$c", conversationId), ("$n", name), ("$t", document.Title), ("$f", document.Format), ("$x", document.Text), ("$at", Time.Format(now)));
        foreach (var passage in document.Passages)
            await Sql.ExecuteAsync(db,
                "INSERT INTO attachment_passages (attachment_id, page, section, start_char, end_char, text, vector) VALUES ($a, $p, $s, $b, $e, $t, $v)", ct,
                ("$a", id), ("$p", passage.Place.Page), ("$s", passage.Place.Section), ("$b", passage.Place.StartChar), ("$e", passage.Place.EndChar),
                ("$t", passage.Text), ("$v", passage.Vector is null ? null : MemoryMarshal.AsBytes(passage.Vector.AsSpan()).ToArray()));
        await tx.CommitAsync(ct);
        return new Attachment(id, name, document.Title, document.Passages.Count, now);
    }

    /// <summary>Every passage of the files attached to the owner's conversation (none when it is not theirs).</summary>
    public async Task<IReadOnlyList<AttachedPassage>> AttachedPassagesAsync(string user, string conversationId, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        var attachments = (await AttachmentsAsync(db, conversationId, user, ct)).ToDictionary(a => a.Id);
        if (attachments.Count == 0) return [];
        await using var command = Sql.Prepare(db,
            "SELECT p.attachment_id, p.page, p.section, p.start_char, p.end_char, p.text, p.vector " +
            "FROM attachment_passages p JOIN attachments a ON a.id = p.attachment_id WHERE a.conversation_id = $c ORDER BY p.id",
            ("$c", conversationId));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var passages = new List<AttachedPassage>();
        while (await reader.ReadAsync(ct))
            passages.Add(new AttachedPassage(attachments[reader.GetString(0)],
                new DocumentPassage(reader.IsDBNull(1) ? null : reader.GetInt32(1), reader.GetString(2), reader.GetInt32(3), reader.GetInt32(4)),
                reader.GetString(5), reader.IsDBNull(6) ? null : MemoryMarshal.Cast<byte, float>((byte[])reader.GetValue(6)).ToArray()));
        return passages;
    }

    /// <summary>An attached file's text for the citation viewer, when it belongs to one of the owner's conversations.</summary>
    public async Task<DocumentText?> AttachmentTextAsync(string user, string attachmentId, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        string name, title, format, text;
        await using (var command = Sql.Prepare(db,
                         "SELECT a.name, a.title, a.format, a.text FROM attachments a JOIN conversations c ON c.id = a.conversation_id WHERE a.id = $a AND c.user = $u",
                         ("$a", attachmentId), ("$u", user)))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct)) return null;
            (name, title, format, text) = (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3));
        }
        await using var places = Sql.Prepare(db, "SELECT page, section, start_char, end_char FROM attachment_passages WHERE attachment_id = $a ORDER BY start_char",
            ("$a", attachmentId));
        await using var rows = await places.ExecuteReaderAsync(ct);
        var passages = new List<DocumentPassage>();
        while (await rows.ReadAsync(ct))
            passages.Add(new DocumentPassage(rows.IsDBNull(0) ? null : rows.GetInt32(0), rows.GetString(1), rows.GetInt32(2), rows.GetInt32(3)));
        return new DocumentText(attachmentId, title, Attachment.PathOf(name), format, text, passages);
    }

    /// <param name="owner">only when the conversation is this person's; null: the caller has checked</param>
    private static async Task<List<Attachment>> AttachmentsAsync(SqliteConnection db, string conversationId, string? owner, CancellationToken ct)
    {
        await using var command = Sql.Prepare(db,
            "SELECT a.id, a.name, a.title, (SELECT COUNT(*) FROM attachment_passages p WHERE p.attachment_id = a.id), a.added_at " +
            "FROM attachments a JOIN conversations c ON c.id = a.conversation_id " +
            "WHERE a.conversation_id = $c AND ($u IS NULL OR c.user = $u) ORDER BY a.added_at, a.rowid",
            ("$c", conversationId), ("$u", owner));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var list = new List<Attachment>();
        while (await reader.ReadAsync(ct))
            list.Add(new Attachment(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), Time.Parse(reader.GetString(4))));
        return list;
    }

    /// <summary>Stores a turn at the end of the owner's conversation; false when they have no such conversation.</summary>
    public async Task<long?> AppendAsync(string user, string id, NewTurn turn, CancellationToken ct)
    {
        var now = Time.Format(_clock.GetUtcNow());
        await using var db = await ConnectAsync(ct);
        await using var tx = (SqliteTransaction)await db.BeginTransactionAsync(ct);
        if (await Sql.ExecuteAsync(db, "UPDATE conversations SET updated_at = $at WHERE id = $id AND user = $u", ct, ("$at", now), ("$id", id), ("$u", user)) == 0)
            return null;
        await Sql.ExecuteAsync(db, """
            INSERT INTO turns (conversation_id, question, searched, answer, sources, citations, notice, test_model, extractive, outcome, asked_at)
            VALUES ($c, $q, $s, $a, $src, $cit, $n, $tm, $ex, $o, $at)
            """, ct, ("$c", id), ("$q", turn.Question), ("$s", turn.Searched), ("$a", turn.Answer),
            ("$src", JsonSerializer.Serialize(turn.Sources, Json)), ("$cit", JsonSerializer.Serialize(turn.Citations, Json)),
            ("$n", turn.Notice), ("$tm", turn.TestModel ? 1 : 0), ("$ex", turn.Extractive ? 1 : 0), ("$o", turn.Outcome.ToString()), ("$at", now));
        var turnId = await Sql.ScalarAsync<long>(db, "SELECT last_insert_rowid()", ct);
        await tx.CommitAsync(ct);
        return turnId;
    }

    /// <summary>Removes the conversation's last turn (Regenerate asks it again); false when there is none to remove.</summary>
    public async Task<bool> RemoveLastTurnAsync(string user, string id, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        return await Sql.ExecuteAsync(db, """
            DELETE FROM turns WHERE id = (SELECT t.id FROM turns t JOIN conversations c ON c.id = t.conversation_id
                                          WHERE c.id = $id AND c.user = $u ORDER BY t.id DESC LIMIT 1)
            """, ct, ("$id", id), ("$u", user)) > 0;
    }

    public async Task<bool> RenameAsync(string user, string id, string title, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        return await Sql.ExecuteAsync(db, "UPDATE conversations SET title = $t WHERE id = $id AND user = $u", ct,
            ("$t", TitleOf(title)), ("$id", id), ("$u", user)) > 0;
    }

    /// <summary>Sets which collections the conversation searches (null: all the owner may read).</summary>
    public async Task<bool> ScopeAsync(string user, string id, IReadOnlyList<string>? collections, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        return await Sql.ExecuteAsync(db, "UPDATE conversations SET collections = $c WHERE id = $id AND user = $u", ct,
            ("$c", collections is null ? null : JsonSerializer.Serialize(collections)), ("$id", id), ("$u", user)) > 0;
    }

    public async Task<bool> DeleteAsync(string user, string id, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        return await Sql.ExecuteAsync(db, "DELETE FROM conversations WHERE id = $id AND user = $u", ct, ("$id", id), ("$u", user)) > 0;
    }

    /// <summary>Every conversation of a person (the DPO's erasure); returns how many went.</summary>
    public async Task<int> EraseUserAsync(string user, CancellationToken ct) => (await ErasePersonAsync(user, ct)).Conversations;

    /// <summary>Every conversation of a person and the files attached to them, in one transaction; returns how many of each went.</summary>
    public async Task<PersonConversationsErased> ErasePersonAsync(string user, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        await using var tx = (SqliteTransaction)await db.BeginTransactionAsync(ct);
        var attachments = await Sql.ScalarAsync<long>(db,
            "SELECT COUNT(*) FROM attachments a JOIN conversations c ON c.id = a.conversation_id WHERE c.user = $u", ct, ("$u", user));
        var conversations = await Sql.ExecuteAsync(db, "DELETE FROM conversations WHERE user = $u", ct, ("$u", user));
        await tx.CommitAsync(ct);
        return new PersonConversationsErased(conversations, (int)attachments);
    }

    /// <summary>
    /// What the store holds of a person, for the DPO's access report: each conversation with its
    /// questions (when asked) and the files attached to it; never another person's.
    /// </summary>
    public async Task<IReadOnlyList<PersonConversation>> PersonDataAsync(string user, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        var summaries = new List<ConversationSummary>();
        await using (var command = Sql.Prepare(db, """
            SELECT c.id, c.title, c.created_at, c.updated_at, c.collections, (SELECT COUNT(*) FROM turns t WHERE t.conversation_id = c.id)
            FROM conversations c WHERE c.user = $u ORDER BY c.updated_at DESC, c.rowid DESC
            """, ("$u", user)))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) summaries.Add(SummaryFrom(reader));
        var result = new List<PersonConversation>();
        foreach (var summary in summaries)
        {
            var questions = new List<AskedQuestion>();
            await using (var command = Sql.Prepare(db, "SELECT question, asked_at FROM turns WHERE conversation_id = $c ORDER BY id", ("$c", summary.Id)))
            await using (var reader = await command.ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct)) questions.Add(new AskedQuestion(reader.GetString(0), Time.Parse(reader.GetString(1))));
            result.Add(new PersonConversation(summary, questions, await AttachmentsAsync(db, summary.Id, user, ct)));
        }
        return result;
    }

    /// <summary>Conversations whose last question is older than <paramref name="cutoff"/>; returns how many went.</summary>
    public async Task<int> PurgeOlderThanAsync(DateTimeOffset cutoff, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        return await Sql.ExecuteAsync(db, "DELETE FROM conversations WHERE updated_at < $c", ct, ("$c", Time.Format(cutoff)));
    }

    /// <summary>Thumbs up or down on one of the owner's answers, with an optional comment; false when the turn is not theirs.</summary>
    public async Task<bool> RateAsync(string user, long turnId, Rating rating, string? comment, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        await using var tx = (SqliteTransaction)await db.BeginTransactionAsync(ct);
        var sources = await Sql.ScalarAsync<string>(db, """
            SELECT t.citations FROM turns t JOIN conversations c ON c.id = t.conversation_id WHERE t.id = $t AND c.user = $u
            """, ct, ("$t", turnId), ("$u", user));
        if (sources is null) return false;
        var collections = Citations(sources).Select(c => c.CollectionId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        await Sql.ExecuteAsync(db, "UPDATE turns SET rating = $r WHERE id = $t", ct, ("$r", rating.ToString()), ("$t", turnId));
        await Sql.ExecuteAsync(db, """
            INSERT INTO feedback (turn_id, at, rating, comment, collections) VALUES ($t, $at, $r, $c, $cols)
            ON CONFLICT(turn_id) DO UPDATE SET at = excluded.at, rating = excluded.rating, comment = excluded.comment
            """, ct, ("$t", turnId), ("$at", Time.Format(_clock.GetUtcNow())), ("$r", rating.ToString()),
            ("$c", string.IsNullOrWhiteSpace(comment) ? null : comment.Trim()), ("$cols", JsonSerializer.Serialize(collections)));
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>Thumbs counted per collection the rated answers cited (an answer citing none counts under "(none)").</summary>
    public async Task<IReadOnlyList<FeedbackCount>> FeedbackCountsAsync(CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        await using var command = Sql.Prepare(db, "SELECT rating, comment IS NOT NULL, collections FROM feedback");
        await using var reader = await command.ExecuteReaderAsync(ct);
        var counts = new SortedDictionary<string, (int Up, int Down, int Comments)>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            var up = Enum.Parse<Rating>(reader.GetString(0)) == Rating.Up;
            var commented = reader.GetInt64(1) != 0;
            var collections = JsonSerializer.Deserialize<List<string>>(reader.GetString(2)) ?? [];
            foreach (var collection in collections.Count == 0 ? ["(none)"] : collections)
            {
                var (u, d, c) = counts.GetValueOrDefault(collection);
                counts[collection] = (u + (up ? 1 : 0), d + (up ? 0 : 1), c + (commented ? 1 : 0));
            }
        }
        return counts.Select(kv => new FeedbackCount(kv.Key, kv.Value.Up, kv.Value.Down, kv.Value.Comments)).ToList();
    }

    public async Task<ConversationSummary?> SummaryAsync(string user, string id, CancellationToken ct)
    {
        await using var db = await ConnectAsync(ct);
        return await SummaryAsync(db, user, id, ct);
    }

    private static async Task<ConversationSummary?> SummaryAsync(SqliteConnection db, string user, string id, CancellationToken ct)
    {
        await using var command = Sql.Prepare(db, """
            SELECT c.id, c.title, c.created_at, c.updated_at, c.collections, (SELECT COUNT(*) FROM turns t WHERE t.conversation_id = c.id)
            FROM conversations c WHERE c.id = $id AND c.user = $u
            """, ("$id", id), ("$u", user));
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? SummaryFrom(reader) : null;
    }

    private static ConversationSummary SummaryFrom(SqliteDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), Time.Parse(reader.GetString(2)), Time.Parse(reader.GetString(3)),
        reader.IsDBNull(4) ? null : JsonSerializer.Deserialize<List<string>>(reader.GetString(4)), reader.GetInt32(5));

    private static List<CitationView> Citations(string json) => JsonSerializer.Deserialize<List<CitationView>>(json, Json) ?? [];

    private static string TitleOf(string text)
    {
        var line = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return line.Length <= MaxTitleLength ? line : line[..(MaxTitleLength - 1)].TrimEnd() + "…";
    }

    private static string EscapeLike(string text) => text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");

    private async Task<SqliteConnection> ConnectAsync(CancellationToken ct)
    {
        var db = await _database.ConnectAsync(ct);
        // A deleted conversation's text is overwritten, not left in free pages.
        await Sql.ExecuteAsync(db, "PRAGMA secure_delete = ON", ct);
        return db;
    }
}
