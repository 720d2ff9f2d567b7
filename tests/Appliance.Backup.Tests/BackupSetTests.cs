using System.Security.Cryptography;
using System.Text;
using Appliance.Audit.Signing;
using Appliance.Config;
using Microsoft.Data.Sqlite;

namespace Appliance.Backup.Tests;

/// <summary>
/// A set taken while a writer appends to a hash-chained SQLite log restores to a whole prefix of
/// that log (count and chain); unchanged files are not written again; damage is named; a set
/// killed half-way is removed by the next run and earlier sets stay valid.
/// </summary>
public sealed class BackupSetTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("backup-set-").FullName;
    private readonly OfficeBackupKey office = OfficeBackupKey.Create();
    private readonly AuditKey signer = AuditKey.Create();
    private readonly byte[] naming = RandomNumberGenerator.GetBytes(32);
    private string Data => Path.Combine(root, "data");
    private string Destination => Path.Combine(root, "usb");
    private string HostFolder => Path.Combine(Destination, "box.test.lan");

    public BackupSetTests()
    {
        Directory.CreateDirectory(Path.Combine(Data, "uploads", "hr"));
        Directory.CreateDirectory(Destination);
        File.WriteAllBytes(Path.Combine(Data, "uploads", "hr", "Müller contract.pdf"), RandomNumberGenerator.GetBytes(300_000));
        File.WriteAllText(Path.Combine(Data, "querylog.key"), "secret");
        File.WriteAllText(Path.Combine(Data, "library.lock"), "held");
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(root, recursive: true);
    }

    private BackupWriter Writer(TimeProvider? clock = null) => new(office.Public, signer, naming, clock ?? TimeProvider.System);

    private Task<BackupResult> BackUpAsync(BackupWriter? writer = null, BackupRetention? retention = null) =>
        (writer ?? Writer()).WriteAsync(Destination, "box.test.lan", [new BackupPart("data", Data, new HashSet<string> { "library.lock" })],
            Path.Combine(root, "staging"), retention ?? new BackupRetention(), CancellationToken.None);

    [Fact]
    public async Task A_set_taken_under_writes_restores_a_whole_chain_and_unchanged_files_are_not_written_again()
    {
        var log = Path.Combine(Data, "querylog.db");
        await using (var setup = Open(log))
            Execute(setup, "PRAGMA journal_mode = WAL; CREATE TABLE entries (id INTEGER PRIMARY KEY, previous TEXT NOT NULL, hash TEXT NOT NULL);");
        using var stop = new CancellationTokenSource();
        var written = 0;
        var writer = Task.Run(async () =>
        {
            await using var connection = Open(log);
            var previous = "genesis";
            while (!stop.IsCancellationRequested)
            {
                var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(previous + written)));
                using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO entries (previous, hash) VALUES ($p, $h)";
                insert.Parameters.AddWithValue("$p", previous);
                insert.Parameters.AddWithValue("$h", hash);
                insert.ExecuteNonQuery();
                previous = hash;
                Interlocked.Increment(ref written);
            }
        });
        await Eventually(() => Volatile.Read(ref written) > 200, TimeSpan.FromSeconds(10), "the writer appends entries");

        var first = await BackUpAsync();
        var atBackup = Volatile.Read(ref written);
        await stop.CancelAsync();
        await writer;

        Assert.DoesNotContain(Directory.EnumerateFiles(HostFolder, "*", SearchOption.AllDirectories),
            f => File.ReadAllBytes(f).AsSpan().IndexOf("Müller"u8) >= 0);
        var restored = Path.Combine(root, "restored");
        var check = await new BackupReader(office).RestoreAsync(BackupSets.List(HostFolder).Single(), HostFolder,
            new Dictionary<string, string> { ["data"] = restored }, CancellationToken.None);
        Assert.True(check.Ok, string.Join("\n", check.Problems));
        Assert.Equal(3, check.FilesChecked);
        Assert.False(File.Exists(Path.Combine(restored, "library.lock")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(Data, "uploads", "hr", "Müller contract.pdf")), File.ReadAllBytes(Path.Combine(restored, "uploads", "hr", "Müller contract.pdf")));

        await using (var copy = Open(Path.Combine(restored, "querylog.db")))
        {
            var rows = Rows(copy);
            Assert.InRange(rows.Count, 200, atBackup);
            var previous = "genesis";
            for (var i = 0; i < rows.Count; i++)
            {
                Assert.Equal(previous, rows[i].Previous);
                Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(previous + i))), rows[i].Hash);
                previous = rows[i].Hash;
            }
        }

        var second = await BackUpAsync(Writer(new FixedClock(first.Set.Created.AddDays(1))));
        Assert.Equal(2, BackupSets.List(HostFolder).Count);
        // The query log grew after the first set (the writer ran on until stopped), so it is written again;
        // the 300 KB upload, unchanged, must not be: what was written stays below the log's size plus 100 KB.
        var logBytes = new FileInfo(log).Length;
        Assert.True(second.Set.WrittenBytes < logBytes + 100_000,
            $"the unchanged upload was written again: {second.Set.WrittenBytes} bytes written, the query log is {logBytes}");
    }

    [Fact]
    public async Task Verify_names_the_file_whose_object_has_one_flipped_byte()
    {
        await BackUpAsync();
        var set = BackupSets.List(HostFolder).Single();
        Assert.True((await new BackupReader(office).VerifyAsync(set, HostFolder, CancellationToken.None)).Ok);

        var objectId = File.ReadAllLines(Path.Combine(set.Folder, SetFiles.Objects))
            .Single(o => new FileInfo(SetFiles.ObjectPath(HostFolder, o)).Length > 300_000);
        var path = SetFiles.ObjectPath(HostFolder, objectId);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(path, bytes);

        var check = await new BackupReader(office).VerifyAsync(set, HostFolder, CancellationToken.None);
        var problem = Assert.Single(check.Problems);
        Assert.StartsWith("data/uploads/hr/Müller contract.pdf", problem.File);
        Assert.Contains("does not authenticate", problem.Problem);
        Assert.Equal(1, check.FilesChecked);

        var wrongKey = await new BackupReader(OfficeBackupKey.Create()).VerifyAsync(set, HostFolder, CancellationToken.None);
        Assert.Contains("not for this private key", Assert.Single(wrongKey.Problems).Problem);
    }

    [Fact]
    public async Task A_changed_set_summary_breaks_the_signature()
    {
        await BackUpAsync();
        var set = BackupSets.List(HostFolder).Single();
        var summary = Path.Combine(set.Folder, SetFiles.Summary);
        File.WriteAllText(summary, File.ReadAllText(summary).Replace("box.test.lan", "other.test.lan"));
        var check = await new BackupReader(office).VerifyAsync(BackupSets.List(HostFolder).Single(), HostFolder, CancellationToken.None);
        Assert.Contains(check.Problems, p => p.File.EndsWith(SetFiles.Signature) && p.Problem.Contains("was changed"));
    }

    [Fact]
    public async Task A_missing_destination_is_refused_and_never_created_on_the_internal_disk()
    {
        Directory.Delete(Destination);
        var refused = await Assert.ThrowsAsync<BackupFailedException>(() => BackUpAsync());
        Assert.Contains("is not there (is the disk plugged in", refused.Message);
        Assert.False(Directory.Exists(Destination));
    }

    [Fact]
    public async Task A_box_whose_clock_is_years_behind_keeps_the_set_it_just_wrote_and_restoring_it_needs_no_clock()
    {
        var now = DateTimeOffset.UtcNow;
        var sevenDays = new BackupRetention { Daily = 7, Weekly = 0, Monthly = 0 };
        for (var day = 8; day >= 1; day--) await BackUpAsync(Writer(new FixedClock(now.AddDays(-day))), sevenDays);
        File.WriteAllText(Path.Combine(Data, "querylog.key"), "written while the clock said 2001");
        var behind = await BackUpAsync(Writer(new FixedClock(new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero))), sevenDays);
        Assert.DoesNotContain(behind.Set.Id, behind.Pruned);
        var set = Assert.Single(BackupSets.List(HostFolder), s => s.Id == behind.Set.Id);

        // Restore reads no clock: whatever the restoring box's clock says, the bytes come back.
        var into = Path.Combine(root, "restored");
        var check = await new BackupReader(office).RestoreAsync(set, HostFolder, new Dictionary<string, string> { ["data"] = into }, CancellationToken.None);
        Assert.True(check.Ok, string.Join("; ", check.Problems));
        Assert.Equal("written while the clock said 2001", File.ReadAllText(Path.Combine(into, "querylog.key")));
    }

    [Fact]
    public async Task A_full_destination_is_a_clear_error_that_leaves_no_half_set_and_the_next_run_after_space_is_freed_succeeds()
    {
        // A real full disk: a 400 KB tmpfs holds the first set (one 300 KB upload) but not a second new upload.
        await RunAsync("mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", Destination);
        try
        {
            var first = await BackUpAsync();
            File.WriteAllBytes(Path.Combine(Data, "uploads", "hr", "Keller contract.pdf"), RandomNumberGenerator.GetBytes(300_000));
            var full = await Assert.ThrowsAsync<BackupFailedException>(() => BackUpAsync());
            Assert.Contains("failed and was removed, earlier sets are untouched", full.Message);
            Assert.Contains("space", full.Message, StringComparison.OrdinalIgnoreCase);
            Assert.Empty(BackupSets.HalfWritten(HostFolder));
            var kept = Assert.Single(BackupSets.List(HostFolder));
            Assert.Equal(first.Set.Id, kept.Id);
            Assert.True((await new BackupReader(office).VerifyAsync(kept, HostFolder, CancellationToken.None)).Ok);

            await RunAsync("mount", "-o", "remount,size=4m", Destination);
            var next = await BackUpAsync();
            Assert.Equal(3, next.Set.Files);  // querylog.key and both uploads
            foreach (var set in BackupSets.List(HostFolder))
                Assert.True((await new BackupReader(office).VerifyAsync(set, HostFolder, CancellationToken.None)).Ok, set.Id);
        }
        finally
        {
            await RunAsync("umount", Destination);
        }
    }

    /// <summary>mount/umount as root (the test runs as root, as CI does).</summary>
    private static async Task RunAsync(string program, params string[] arguments)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(program, arguments) { RedirectStandardError = true })!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)}: {error}");
    }

    [Fact]
    public async Task The_last_set_before_a_schema_migration_outlives_retention_as_the_way_back_to_the_older_code()
    {
        var now = DateTimeOffset.UtcNow;
        var oneDay = new BackupRetention { Daily = 1, Weekly = 0, Monthly = 0 };
        SetLibrarySchema(5);
        var preUpgrade = await BackUpAsync(Writer(new FixedClock(now.AddHours(-3))), oneDay);
        Assert.Equal(5, preUpgrade.Set.DataSchema!["data/library.db"]);
        SetLibrarySchema(6);  // the new agent migrated the index
        var nightly = await BackUpAsync(Writer(new FixedClock(now.AddHours(-2))), oneDay);
        var next = await BackUpAsync(Writer(new FixedClock(now.AddHours(-1))), oneDay);

        Assert.Equal([preUpgrade.Set.Id, next.Set.Id], BackupSets.List(HostFolder).Select(s => s.Id));
        Assert.Equal([nightly.Set.Id], next.Pruned);  // same day, same schema: the policy's usual work
        var check = await new BackupReader(office).VerifyAsync(BackupSets.List(HostFolder)[0], HostFolder, CancellationToken.None);
        Assert.True(check.Ok, string.Join("; ", check.Problems));  // its objects were not swept with the pruned set's
    }

    private void SetLibrarySchema(int version)
    {
        using var library = Open(Path.Combine(Data, "library.db"));
        Execute(library, $"PRAGMA journal_mode = WAL; CREATE TABLE IF NOT EXISTS documents (id TEXT); INSERT INTO documents VALUES ('v{version}'); PRAGMA user_version = {version};");
    }

    [Fact]
    public void Retention_keeps_the_newest_of_each_day_week_and_month()
    {
        var start = new DateTimeOffset(2026, 1, 1, 2, 30, 0, TimeSpan.Zero);
        var sets = Enumerable.Range(0, 120).SelectMany(d => new[] { start.AddDays(d), start.AddDays(d).AddHours(12) })
            .OrderByDescending(t => t).Select(t => (SetFiles.IdFor(t), t)).ToList();
        var keep = Retention.Keep(sets, new BackupRetention { Daily = 7, Weekly = 4, Monthly = 3 });
        var newest = start.AddDays(119).AddHours(12);
        Assert.Contains(SetFiles.IdFor(newest), keep);
        Assert.DoesNotContain(SetFiles.IdFor(newest.AddHours(-12)), keep);
        Assert.Equal(7, keep.Count(id => string.CompareOrdinal(id, SetFiles.IdFor(newest.AddDays(-7))) > 0));
        Assert.InRange(keep.Count, 7 + 1, 7 + 4 + 3);
        Assert.Contains(SetFiles.IdFor(new DateTimeOffset(2026, 2, 28, 14, 30, 0, TimeSpan.Zero)), keep);
    }

    private static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA busy_timeout = 10000;");
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static List<(string Previous, string Hash)> Rows(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT previous, hash FROM entries ORDER BY id";
        using var reader = command.ExecuteReader();
        var rows = new List<(string, string)>();
        while (reader.Read()) rows.Add((reader.GetString(0), reader.GetString(1)));
        return rows;
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
