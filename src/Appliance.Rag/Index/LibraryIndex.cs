using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Appliance.Rag.Index;

/// <summary>
/// The SQLite index: one database file and its stores — <see cref="Collections"/>,
/// <see cref="Documents"/>, <see cref="Chunks"/> (what retrieval reads), <see cref="Vectors"/>,
/// <see cref="Erasures"/> and <see cref="Integrity"/>. WAL lets searches read while one writer
/// (serialised by <see cref="WriteAsync{T}"/>) replaces documents; every document is written or erased
/// in one transaction, so after a crash it is either all there or absent.
/// </summary>
internal sealed class LibraryIndex : IDisposable
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writer = new(1, 1);

    private LibraryIndex(string path, TimeProvider clock)
    {
        DatabasePath = path;
        Clock = clock;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        Collections = new CollectionStore(this);
        Documents = new DocumentStore(this);
        Chunks = new ChunkStore(this);
        Vectors = new VectorStore(this);
        Erasures = new ErasureStore(this);
        Integrity = new IndexIntegrity(this);
    }

    public string DatabasePath { get; }

    /// <summary>Where the times written into the index (added, updated, erased) come from.</summary>
    public TimeProvider Clock { get; }

    /// <summary>Query words' chunk counts per collection, dropped by every write to the collection.</summary>
    public WordFrequencies Frequencies { get; } = new();

    /// <summary>How text becomes full-text terms, per language.</summary>
    public IndexedText Text { get; } = new();

    public CollectionStore Collections { get; }
    public DocumentStore Documents { get; }
    public ChunkStore Chunks { get; }
    public VectorStore Vectors { get; }
    public ErasureStore Erasures { get; }
    public IndexIntegrity Integrity { get; }

    public static LibraryIndex Open(string path, TimeProvider? clock = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var index = new LibraryIndex(path, clock ?? TimeProvider.System);
        using var connection = index.Connect();
        IndexSql.Execute(connection, "PRAGMA journal_mode = WAL;");
        Schema.Migrate(connection);
        return index;
    }

    public static string DocumentIdFor(string collectionId, string path) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(collectionId + "\n" + path)))[..20];

    internal SqliteConnection Connect()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        IndexSql.Execute(connection, "PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 30000;");
        return connection;
    }

    /// <summary>
    /// One write: under the writer lock, in one transaction; once it has committed, what is kept in
    /// memory follows each changed collection while the lock is still held (so in commit order).
    /// </summary>
    /// <param name="checkpoint">whether, given the result, to truncate the write-ahead log then, which would otherwise keep old page images until the next checkpoint</param>
    internal async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, (T Result, IReadOnlyList<CollectionChange> Changes)> write,
        CancellationToken cancellationToken, Func<T, bool>? checkpoint = null)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            using var connection = Connect();
            T result;
            IReadOnlyList<CollectionChange> changes;
            using (var transaction = connection.BeginTransaction())
            {
                (result, changes) = write(connection, transaction);
                transaction.Commit();
            }
            foreach (var change in changes)
            {
                Frequencies.Forget(change.CollectionId, change.Generation);
                Vectors.Apply(change);
            }
            if (checkpoint?.Invoke(result) == true) IndexSql.Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE);");
            return result;
        }
        finally
        {
            _writer.Release();
        }
    }

    public void Dispose()
    {
        // Pooled connections would keep the file open after the library is gone (and a deleted
        // data folder's file alive); the next Open starts clean.
        using (var connection = new SqliteConnection(_connectionString)) SqliteConnection.ClearPool(connection);
        _writer.Dispose();
    }
}
