using System.Collections.Concurrent;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Appliance.Audit.Pack;

namespace Appliance.Agent.Audit;

/// <summary>A signed pack on the shelf, as the DPO's page lists it.</summary>
/// <param name="Verified">its manifest signature and every file's digest check out against the key inside it</param>
/// <param name="Problems">what does not check out, file by file (empty when verified)</param>
public sealed record PackListing(
    string Name, DateTimeOffset CreatedAt, string Period, long Bytes, string Sha256, string KeyFingerprint, bool Verified, IReadOnlyList<string> Problems);

/// <summary>
/// The signed audit packs the nightly job (root) left in data/audit/packs. The agent cannot sign —
/// it cannot read the audit key — so it only lists and serves what is there, newest first; a name
/// is served only if it is a file listed on the shelf, so no path can lead anywhere else.
/// </summary>
public sealed class NightlyPacks(string dataFolder)
{
    private readonly ConcurrentDictionary<(string Name, long Bytes, DateTime Modified), PackListing> _checked = new();

    public string Folder => Path.Combine(dataFolder, PackShelf.RelativeFolder);

    public IReadOnlyList<PackListing> List()
    {
        if (!Directory.Exists(Folder)) return [];
        var listings = new List<PackListing>();
        var present = new HashSet<(string, long, DateTime)>();
        // A pack is hashed and verified once; a replaced file (other size or time) is checked afresh.
        foreach (var file in Shelved())
        {
            var key = (file.Name, file.Length, file.LastWriteTimeUtc);
            present.Add(key);
            listings.Add(_checked.GetOrAdd(key, _ => Inspect(file)));
        }
        foreach (var gone in _checked.Keys.Where(k => !present.Contains(k))) _checked.TryRemove(gone, out _);
        return [.. listings.OrderByDescending(l => l.CreatedAt).ThenByDescending(l => l.Name, StringComparer.Ordinal)];
    }

    /// <summary>The pack's full path when <paramref name="name"/> is exactly a pack on the shelf; null otherwise.</summary>
    public string? Locate(string name)
    {
        if (!PackShelf.IsPackName(name) || !Directory.Exists(Folder)) return null;
        return Shelved().FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.Ordinal))?.FullName;
    }

    /// <summary>Pack files on the shelf itself: a symbolic link could point anywhere, so it is no pack.</summary>
    private IEnumerable<FileInfo> Shelved() =>
        new DirectoryInfo(Folder).EnumerateFiles("*.zip").Where(f => PackShelf.IsPackName(f.Name) && f.LinkTarget is null);

    private static PackListing Inspect(FileInfo file)
    {
        string sha;
        using (var stream = file.OpenRead()) sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        var created = new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero);
        var period = "unknown";
        var fingerprint = "unknown";
        try
        {
            using var zip = ZipFile.OpenRead(file.FullName);
            if (zip.GetEntry(AuditPackWriter.ManifestName) is { } entry)
            {
                using var manifestStream = entry.Open();
                if (JsonSerializer.Deserialize<Manifest>(manifestStream, AuditJson.Options) is { } manifest)
                    (created, period, fingerprint) = (manifest.CreatedAt, manifest.Period, manifest.KeyFingerprint);
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException or JsonException)
        {
            // The verification below names what is wrong with it.
        }
        var verification = AuditPackVerifier.Verify(file.FullName, trustedKey: null);
        return new PackListing(file.Name, created, period, file.Length, sha, fingerprint, verification.Ok,
            [.. verification.Failures.Select(f => $"{f.Subject}: {f.Detail}")]);
    }
}
