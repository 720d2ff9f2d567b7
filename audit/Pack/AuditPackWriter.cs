using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Appliance.Audit.Evidence;
using Appliance.Audit.Render;
using Appliance.Audit.Signing;

namespace Appliance.Audit.Pack;

/// <summary>One file of a pack and its digest, as listed in manifest.json.</summary>
public sealed record ManifestFile(string Path, string Sha256, long Bytes);

public sealed record Manifest(string Appliance, DateTimeOffset CreatedAt, string Period, string Algorithm, string KeyFingerprint, IReadOnlyList<ManifestFile> Files);

/// <summary>
/// Writes a signed audit pack: rendered reports, machine-readable evidence, the raw evidence files,
/// a manifest with the SHA-256 of every file and a detached Ed25519 signature over the manifest.
/// Deterministic: the same inputs give the same bytes (the creation time is one of the inputs).
/// </summary>
public sealed class AuditPackWriter(HtmlReport html, PdfReport pdf)
{
    public const string ManifestName = "manifest.json";
    public const string SignatureName = "manifest.sig";
    public const string PublicKeyName = "audit-key.pub";
    public const string ExcerptName = "raw/query-log-excerpt.jsonl";

    /// <summary>The page a person opens first; it states the manifest's hash and signature, so it is signed on its own.</summary>
    public const string PageName = "index.html";
    public const string PageSignatureName = PageName + ".sig";
    public const string JournalName = "raw/journal.jsonl";

    public AuditEvidence Write(AuditInputs inputs, AuditKey key, string zipPath)
    {
        var evidence = EvidenceAssembler.Assemble(inputs, key.Public.Fingerprint);
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["report.pdf"] = pdf.Render(evidence),
            ["evidence.json"] = Json(evidence),
            ["evidence.schema.json"] = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "evidence.schema.json")),
            ["raw/pf-anchor.conf"] = Encoding.UTF8.GetBytes(inputs.Network.AnchorText),
            ["raw/controls.json"] = Json(inputs.Controls),
            [JournalName] = JsonLines(inputs.Journal.Where(j => inputs.Period.Contains(j.At))),
            [ExcerptName] = JsonLines(inputs.QueryLogExcerpt),
            ["raw/erasures.json"] = Json(evidence.Erasures),
            ["raw/usage.json"] = Json(evidence.Usage),
            [PublicKeyName] = Encoding.UTF8.GetBytes(key.Public.ToText()),
        };

        var manifest = new Manifest(inputs.Config.Appliance.Name, inputs.CreatedAt, inputs.Period.ToString(), "ed25519", key.Public.Fingerprint,
            [.. files.Select(f => new ManifestFile(f.Key, Convert.ToHexStringLower(SHA256.HashData(f.Value)), f.Value.LongLength))]);
        var manifestBytes = Json(manifest);
        var signature = key.Sign(manifestBytes);
        files[ManifestName] = manifestBytes;
        files[SignatureName] = Encoding.ASCII.GetBytes(Convert.ToBase64String(signature) + "\n");
        var page = Encoding.UTF8.GetBytes(html.Render(evidence, PackCheck.Of(manifestBytes, signature, key.Public, manifest.Files)));
        files[PageName] = page;
        files[PageSignatureName] = Encoding.ASCII.GetBytes(Convert.ToBase64String(key.Sign(page)) + "\n");

        var temp = zipPath + ".partial";
        using (var stream = File.Create(temp))
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create))
        {
            foreach (var (name, bytes) in files)
            {
                var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
                entry.LastWriteTime = inputs.CreatedAt.ToUniversalTime();
                using var output = entry.Open();
                output.Write(bytes);
            }
        }
        File.Move(temp, zipPath, overwrite: true);
        return evidence;
    }

    private static byte[] Json<T>(T value) => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(value, AuditJson.Options) + "\n");

    private static byte[] JsonLines<T>(IEnumerable<T> items) =>
        Encoding.UTF8.GetBytes(string.Concat(items.Select(i => JsonSerializer.Serialize(i, AuditJson.Lines) + "\n")));
}
