using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Appliance.Backup;

/// <summary>
/// One part of what a backup holds, under a name the restore maps back to a folder:
/// "data" (the agent's data folder), "state" (the provisioner's root-owned state), "config".
/// </summary>
/// <param name="Skip">file or folder names never copied (a lock, the backup's own staging folder); SQLite's side files never are</param>
public sealed record BackupPart(string Name, string Folder, IReadOnlySet<string>? Skip = null)
{
    public bool Skips(string file)
    {
        var name = System.IO.Path.GetFileName(file);
        if (name.EndsWith("-wal", StringComparison.Ordinal) || name.EndsWith("-shm", StringComparison.Ordinal)
            || name.EndsWith("-journal", StringComparison.Ordinal)) return true;
        return Skip is { } skip && System.IO.Path.GetRelativePath(Folder, file).Split(System.IO.Path.DirectorySeparatorChar).Any(skip.Contains);
    }
}

/// <summary>One file in a set: where it belongs, what it was, and the object holding its bytes.</summary>
public sealed record ManifestEntry(string Path, long Size, string Sha256, string Object, bool Snapshot);

/// <summary>The sealed list of a set's files (sealed because file names are personal data: "Müller divorce.pdf").</summary>
public sealed record Manifest(IReadOnlyList<ManifestEntry> Files);

/// <summary>What anyone with the destination may read about a set, without the private key.</summary>
public sealed record SetSummary
{
    public const int CurrentFormat = 1;
    public int Format { get; init; } = CurrentFormat;
    public required string Id { get; init; }
    public required string Host { get; init; }
    public required DateTimeOffset Created { get; init; }
    public required int Files { get; init; }
    public required long Bytes { get; init; }

    /// <summary>Bytes of new objects this set wrote; the rest were already on the destination.</summary>
    public required long WrittenBytes { get; init; }

    /// <summary>The office public key's fingerprint: the private key that opens this set.</summary>
    public required string Recipient { get; init; }

    /// <summary>The audit public key (ed25519 text) that signed the set.</summary>
    public required string Signer { get; init; }

    public required double Seconds { get; init; }

    /// <summary>
    /// PRAGMA user_version of each versioned database at the top of a part ("data/library.db": 6), read
    /// from the snapshot: which agent code can read this set's data. Absent in sets written before it was kept.
    /// </summary>
    public IReadOnlyDictionary<string, int>? DataSchema { get; init; }
}

/// <summary>File names and JSON spelling of a set on the destination: DEST/HOST/sets/ID/, DEST/HOST/objects/ab/ab….</summary>
public static class SetFiles
{
    public const string Summary = "set.json";
    public const string Manifest = "manifest.sealed";
    public const string Objects = "objects.txt";
    public const string Signature = "signature";
    public const string PartialSuffix = ".partial";
    public const string Sets = "sets";
    public const string ObjectFolder = "objects";
    public const string TempMarker = ".tmp-";

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static string IdFor(DateTimeOffset created) => created.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    public static string ObjectPath(string hostFolder, string id) => Path.Combine(hostFolder, ObjectFolder, id[..2], id);

    /// <summary>What the set's signature covers: the SHA-256 of each of its three other files.</summary>
    public static byte[] SignedText(byte[] summary, byte[] manifest, byte[] objects) => Encoding.UTF8.GetBytes(
        $"{Summary} {Hex(summary)}\n{Manifest} {Hex(manifest)}\n{Objects} {Hex(objects)}\n");

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
