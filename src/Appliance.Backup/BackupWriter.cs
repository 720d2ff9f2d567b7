using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Appliance.Audit.Signing;
using Appliance.Config;

namespace Appliance.Backup;

/// <summary>Why a backup did not complete; the destination keeps every earlier set.</summary>
public sealed class BackupFailedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>What one backup run did.</summary>
public sealed record BackupResult(SetSummary Set, string Folder, IReadOnlyList<string> RemovedHalfWritten, IReadOnlyList<string> Pruned);

/// <summary>
/// Writes one backup set: a consistent snapshot of every database, every other file as it is,
/// each sealed for the office's key into a content-addressed object (an unchanged upload is not
/// copied again), then the sealed manifest, the list of objects, a plain summary and the audit
/// key's signature over all three. The set is written as ID.partial and renamed when complete, so
/// a run killed half-way leaves a folder the next run recognises and removes.
/// </summary>
/// <param name="namingKey">HMAC key naming objects: equal files share one object, but someone with only the destination cannot test a guess of a file's content</param>
public sealed class BackupWriter(BackupPublicKey recipient, AuditKey signer, byte[] namingKey, TimeProvider clock)
{
    public async Task<BackupResult> WriteAsync(string destination, string host, IReadOnlyList<BackupPart> parts, string staging,
        BackupRetention retention, CancellationToken ct)
    {
        // A missing mount point must not become a folder on the internal disk: the volume is unplugged.
        if (!Directory.Exists(destination))
            throw new BackupFailedException($"the backup destination {destination} is not there (is the disk plugged in, the share mounted?)");
        var started = Stopwatch.StartNew();
        var hostFolder = Path.Combine(destination, host);
        var removed = RemoveHalfWritten(hostFolder);
        var created = clock.GetUtcNow();
        var id = SetFiles.IdFor(created);
        var sets = Path.Combine(hostFolder, SetFiles.Sets);
        for (var n = 1; Directory.Exists(Path.Combine(sets, id)); n++) id = SetFiles.IdFor(created) + "-" + n;
        var partial = Path.Combine(sets, id + SetFiles.PartialSuffix);
        Directory.CreateDirectory(staging);
        try
        {
            Directory.CreateDirectory(partial);
            var files = parts.SelectMany(p => Directory.Exists(p.Folder)
                    ? Directory.EnumerateFiles(p.Folder, "*", SearchOption.AllDirectories).Where(f => !p.Skips(f)).Order(StringComparer.Ordinal)
                        .Select(f => (Part: p, File: f, Relative: p.Name + "/" + Path.GetRelativePath(p.Folder, f).Replace('\\', '/')))
                    : []).ToList();
            var snapshot = await LiveStores.SnapshotAsync([.. files.Select(f => f.File).Where(LiveStores.IsDatabase)], staging, ct);

            var entries = new List<ManifestEntry>();
            long bytes = 0, written = 0;
            foreach (var (_, file, relative) in files)
            {
                ct.ThrowIfCancellationRequested();
                var isSnapshot = snapshot.TryGetValue(file, out var copy);
                var read = isSnapshot ? copy! : file;
                if (!File.Exists(read)) continue;  // deleted since the listing (a document the agent just erased)
                var (objectId, sha, size) = await HashAsync(read, ct);
                var objectPath = SetFiles.ObjectPath(hostFolder, objectId);
                if (!File.Exists(objectPath))
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(objectPath)!);
                    var temp = objectPath + SetFiles.TempMarker + Guid.NewGuid().ToString("n");
                    await SealedFile.SealFileAsync(read, temp, recipient, ct);
                    written += new FileInfo(temp).Length;
                    File.Move(temp, objectPath);
                }
                entries.Add(new ManifestEntry(relative, size, sha, objectId, isSnapshot));
                bytes += size;
            }

            var manifest = SealedFile.Seal(JsonSerializer.SerializeToUtf8Bytes(new Manifest(entries), SetFiles.Json), recipient);
            var objects = Encoding.UTF8.GetBytes(string.Concat(entries.Select(e => e.Object).Distinct().Order(StringComparer.Ordinal).Select(o => o + "\n")));
            var set = new SetSummary
            {
                Id = id, Host = host, Created = created, Files = entries.Count, Bytes = bytes, WrittenBytes = written,
                Recipient = recipient.Fingerprint, Signer = signer.Public.ToText().Trim(), Seconds = Math.Round(started.Elapsed.TotalSeconds, 2),
                DataSchema = await SchemaVersionsAsync(files.Where(f => !f.Relative[(f.Part.Name.Length + 1)..].Contains('/'))
                    .Select(f => (f.Relative, Copy: snapshot.GetValueOrDefault(f.File))).Where(f => f.Copy is not null).Select(f => (f.Relative, f.Copy!)), ct),
            };
            var summary = JsonSerializer.SerializeToUtf8Bytes(set, SetFiles.Json);
            await WriteDurablyAsync(Path.Combine(partial, SetFiles.Manifest), manifest, ct);
            await WriteDurablyAsync(Path.Combine(partial, SetFiles.Objects), objects, ct);
            await WriteDurablyAsync(Path.Combine(partial, SetFiles.Summary), summary, ct);
            await WriteDurablyAsync(Path.Combine(partial, SetFiles.Signature),
                Encoding.ASCII.GetBytes(Convert.ToBase64String(signer.Sign(SetFiles.SignedText(summary, manifest, objects))) + "\n"), ct);
            var final = Path.Combine(sets, id);
            Directory.Move(partial, final);
            var pruned = Retention.Prune(hostFolder, retention, id);
            return new BackupResult(set, final, removed, pruned);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OperationCanceledException or Microsoft.Data.Sqlite.SqliteException)
        {
            TryDelete(partial);
            foreach (var temp in TempObjects(hostFolder)) TryDelete(temp);
            if (e is OperationCanceledException) throw;
            throw new BackupFailedException($"the backup to {destination} failed and was removed, earlier sets are untouched: {e.Message.Trim()}", e);
        }
        finally
        {
            TryDelete(staging);
        }
    }

    /// <summary>
    /// The schema version of each database at the top of a part, read from its snapshot. Only those
    /// (the program's own stores): a plain summary must not name an uploaded file, which is personal data.
    /// </summary>
    private static async Task<SortedDictionary<string, int>> SchemaVersionsAsync(IEnumerable<(string Relative, string Copy)> databases, CancellationToken ct)
    {
        var versions = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var (relative, copy) in databases)
        {
            await using var db = new Microsoft.Data.Sqlite.SqliteConnection(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder
                { DataSource = copy, Mode = Microsoft.Data.Sqlite.SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            await db.OpenAsync(ct);
            await using var command = db.CreateCommand();
            command.CommandText = "PRAGMA user_version";
            if (Convert.ToInt32(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) is > 0 and var version)
                versions[relative] = version;
        }
        return versions;
    }

    /// <summary>Sets a killed run left as .partial, and objects it was still writing.</summary>
    public static IReadOnlyList<string> RemoveHalfWritten(string hostFolder)
    {
        var sets = Path.Combine(hostFolder, SetFiles.Sets);
        var partials = Directory.Exists(sets)
            ? Directory.GetDirectories(sets, "*" + SetFiles.PartialSuffix).Order(StringComparer.Ordinal).ToList()
            : [];
        foreach (var partial in partials) Directory.Delete(partial, recursive: true);
        foreach (var temp in TempObjects(hostFolder)) File.Delete(temp);
        return [.. partials.Select(Path.GetFileName).OfType<string>()];
    }

    private static IEnumerable<string> TempObjects(string hostFolder)
    {
        var objects = Path.Combine(hostFolder, SetFiles.ObjectFolder);
        return Directory.Exists(objects)
            ? Directory.GetFiles(objects, "*" + SetFiles.TempMarker + "*", SearchOption.AllDirectories)
            : [];
    }

    private async Task<(string Object, string Sha256, long Size)> HashAsync(string path, CancellationToken ct)
    {
        using var naming = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, namingKey);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, useAsync: true);
        var buffer = new byte[1 << 16];
        long size = 0;
        int read;
        while ((read = await input.ReadAsync(buffer, ct)) > 0)
        {
            naming.AppendData(buffer, 0, read);
            sha.AppendData(buffer, 0, read);
            size += read;
        }
        return (Convert.ToHexStringLower(naming.GetHashAndReset()), Convert.ToHexStringLower(sha.GetHashAndReset()), size);
    }

    private static async Task WriteDurablyAsync(string path, byte[] content, CancellationToken ct)
    {
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, useAsync: true);
        await file.WriteAsync(content, ct);
        file.Flush(flushToDisk: true);
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
            else if (File.Exists(path)) File.Delete(path);
        }
        catch (IOException)
        {
            // An unplugged disk cannot be tidied; the next run removes what is left.
        }
    }
}
