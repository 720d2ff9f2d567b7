using System.Security.Cryptography;
using System.Text.Json;
using Appliance.Audit.Signing;

namespace Appliance.Backup;

/// <summary>One thing wrong with a set, naming the file a person would look for.</summary>
public sealed record SetProblem(string File, string Problem)
{
    public override string ToString() => $"{File}: {Problem}";
}

/// <summary>What verify or restore found: every file of the set read back, or the problems.</summary>
public sealed record SetCheck(string Id, SetSummary? Summary, int FilesChecked, long BytesChecked, IReadOnlyList<SetProblem> Problems, double Seconds)
{
    public bool Ok => Problems.Count == 0;
}

/// <summary>
/// Opens a set with the office's private key: checks the signature over the summary, manifest and
/// object list, decrypts every object and compares it with the manifest's SHA-256. Restore writes
/// each file as it is checked into the folder its part maps to; nothing is written for a damaged file.
/// </summary>
public sealed class BackupReader(OfficeBackupKey key)
{
    public Task<SetCheck> VerifyAsync(StoredSet set, string hostFolder, CancellationToken ct) =>
        ReadAsync(set, hostFolder, restoreInto: null, ct);

    /// <param name="restoreInto">part name → folder it is restored into (a part without a folder is not restored)</param>
    public Task<SetCheck> RestoreAsync(StoredSet set, string hostFolder, IReadOnlyDictionary<string, string> restoreInto, CancellationToken ct) =>
        ReadAsync(set, hostFolder, restoreInto, ct);

    private async Task<SetCheck> ReadAsync(StoredSet set, string hostFolder, IReadOnlyDictionary<string, string>? restoreInto, CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var problems = new List<SetProblem>();
        SetCheck Done(int files, long bytes) => new(set.Id, set.Summary, files, bytes, problems, Math.Round(clock.Elapsed.TotalSeconds, 2));

        byte[] Read(string name)
        {
            try
            {
                return File.ReadAllBytes(Path.Combine(set.Folder, name));
            }
            catch (IOException e)
            {
                problems.Add(new SetProblem($"sets/{set.Id}/{name}", $"cannot be read: {e.Message}"));
                return [];
            }
        }
        var summaryBytes = Read(SetFiles.Summary);
        var manifestBytes = Read(SetFiles.Manifest);
        var objectsBytes = Read(SetFiles.Objects);
        var signatureText = System.Text.Encoding.ASCII.GetString(Read(SetFiles.Signature)).Trim();
        if (problems.Count > 0) return Done(0, 0);
        if (set.Summary is null) problems.Add(new SetProblem($"sets/{set.Id}/{SetFiles.Summary}", "is not a set summary"));
        else
        {
            try
            {
                var signer = AuditPublicKey.Parse(set.Summary.Signer);
                if (!signer.Verifies(SetFiles.SignedText(summaryBytes, manifestBytes, objectsBytes), Convert.FromBase64String(signatureText)))
                    problems.Add(new SetProblem($"sets/{set.Id}/{SetFiles.Signature}", $"does not match the set's files (signed by {signer.Fingerprint}): a file of the set was changed"));
            }
            catch (Exception e) when (e is FormatException or InvalidDataException)
            {
                problems.Add(new SetProblem($"sets/{set.Id}/{SetFiles.Signature}", "is not a signature"));
            }
            if (set.Summary.Recipient != key.Public.Fingerprint)
            {
                problems.Add(new SetProblem($"sets/{set.Id}", $"was sealed for the key {set.Summary.Recipient}, not for this private key ({key.Public.Fingerprint})"));
                return Done(0, 0);
            }
        }

        Manifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<Manifest>(await SealedFile.OpenAsync(manifestBytes, key, ct), SetFiles.Json)
                ?? throw new JsonException("empty manifest");
        }
        catch (Exception e) when (e is SealedFileException or JsonException)
        {
            problems.Add(new SetProblem($"sets/{set.Id}/{SetFiles.Manifest}", e.Message));
            return Done(0, 0);
        }

        var files = 0;
        long bytes = 0;
        foreach (var entry in manifest.Files)
        {
            ct.ThrowIfCancellationRequested();
            var objectPath = SetFiles.ObjectPath(hostFolder, entry.Object);
            var name = $"{entry.Path} (objects/{entry.Object[..2]}/{entry.Object})";
            if (!File.Exists(objectPath))
            {
                problems.Add(new SetProblem(name, "its object is missing from the destination"));
                continue;
            }
            var target = restoreInto is null ? null : Target(entry.Path, restoreInto);
            var temp = target is null ? null : target + ".restoring";
            try
            {
                using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                await using (var input = new FileStream(objectPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true))
                await using (var output = temp is null ? (Stream)new HashingSink(sha) : new HashingFile(temp, sha))
                    await SealedFile.OpenAsync(input, output, key, ct);
                var actual = Convert.ToHexStringLower(sha.GetHashAndReset());
                if (actual != entry.Sha256)
                {
                    problems.Add(new SetProblem(name, $"decrypts to different bytes than were backed up (sha256 {actual[..12]}…, expected {entry.Sha256[..12]}…)"));
                    if (temp is not null) File.Delete(temp);
                    continue;
                }
                if (temp is not null) File.Move(temp, target!, overwrite: true);
                files++;
                bytes += entry.Size;
            }
            catch (SealedFileException e)
            {
                problems.Add(new SetProblem(name, e.Message));
                if (temp is not null && File.Exists(temp)) File.Delete(temp);
            }
        }
        return Done(files, bytes);
    }

    private static string? Target(string path, IReadOnlyDictionary<string, string> restoreInto)
    {
        var slash = path.IndexOf('/');
        if (slash <= 0 || !restoreInto.TryGetValue(path[..slash], out var folder)) return null;
        var full = Path.GetFullPath(Path.Combine(folder, path[(slash + 1)..]));
        // A manifest is authenticated, but a restore still never writes outside the folder it was given.
        if (!full.StartsWith(Path.GetFullPath(folder) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new InvalidDataException($"the manifest names {path}, outside the {path[..slash]} folder");
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        return full;
    }

    /// <summary>A stream that only hashes what is written (verify without writing).</summary>
    private sealed class HashingSink(IncrementalHash sha) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => sha.AppendData(buffer, offset, count);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            sha.AppendData(buffer.Span);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Writes to a file and hashes on the way.</summary>
    private sealed class HashingFile(string path, IncrementalHash sha) : Stream
    {
        private readonly FileStream file = new(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => file.Length;
        public override long Position { get => file.Position; set => throw new NotSupportedException(); }
        public override void Flush() => file.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count)
        {
            sha.AppendData(buffer, offset, count);
            file.Write(buffer, offset, count);
        }
        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            sha.AppendData(buffer.Span);
            await file.WriteAsync(buffer, cancellationToken);
        }
        public override async ValueTask DisposeAsync()
        {
            await file.FlushAsync();
            await file.DisposeAsync();
            await base.DisposeAsync();
        }
        protected override void Dispose(bool disposing)
        {
            if (disposing) file.Dispose();
            base.Dispose(disposing);
        }
    }
}
