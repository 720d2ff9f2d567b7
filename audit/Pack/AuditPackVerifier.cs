using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Appliance.Audit.Evidence;
using Appliance.Audit.Signing;

namespace Appliance.Audit.Pack;

/// <summary>One thing checked in a pack: which file or property, whether it holds, and why not.</summary>
public sealed record PackFinding(string Subject, bool Ok, string Detail);

public sealed record PackVerification(IReadOnlyList<PackFinding> Findings, string KeySource)
{
    public bool Ok => Findings.All(f => f.Ok);
    public IEnumerable<PackFinding> Failures => Findings.Where(f => !f.Ok);
}

/// <summary>Checks a pack: the manifest's signature, every file's digest, no unlisted files, the query-log chain excerpt (or a signed log excerpt, <see cref="LogExcerpt"/>).</summary>
public static class AuditPackVerifier
{
    public static PackVerification Verify(string zipPath, AuditPublicKey? trustedKey)
    {
        var findings = new List<PackFinding>();
        Dictionary<string, byte[]> files;
        try
        {
            using var zip = ZipFile.OpenRead(zipPath);
            files = zip.Entries.Where(e => e.Length > 0 || !e.FullName.EndsWith('/'))
                .ToDictionary(e => e.FullName, e => { using var s = e.Open(); using var m = new MemoryStream(); s.CopyTo(m); return m.ToArray(); }, StringComparer.Ordinal);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            return new PackVerification([new PackFinding(Path.GetFileName(zipPath), false, $"not a readable zip: {e.Message}")], "none");
        }

        // A query-log excerpt the DPO exported from the page is checked by the same command.
        if (LogExcerpt.IsExcerpt(files)) return LogExcerpt.Verify(files, trustedKey);

        if (!files.TryGetValue(AuditPackWriter.ManifestName, out var manifestBytes))
            return new PackVerification([new PackFinding(AuditPackWriter.ManifestName, false, "missing")], "none");

        var key = trustedKey;
        var keySource = "the --public-key given";
        if (key is null)
        {
            keySource = $"the key inside the pack ({AuditPackWriter.PublicKeyName}): compare its fingerprint with the one in the provisioning journal";
            try
            {
                key = AuditPublicKey.Parse(Encoding.UTF8.GetString(files.GetValueOrDefault(AuditPackWriter.PublicKeyName) ?? []));
            }
            catch (InvalidDataException e)
            {
                findings.Add(new PackFinding(AuditPackWriter.PublicKeyName, false, e.Message));
            }
        }

        if (key is not null)
        {
            byte[]? signature = null;
            try
            {
                signature = Convert.FromBase64String(Encoding.ASCII.GetString(files.GetValueOrDefault(AuditPackWriter.SignatureName) ?? []).Trim());
            }
            catch (FormatException)
            {
            }
            findings.Add(signature is not null && signature.Length == 64 && key.Verifies(manifestBytes, signature)
                ? new PackFinding(AuditPackWriter.SignatureName, true, $"valid Ed25519 signature by {key.Fingerprint}")
                : new PackFinding(AuditPackWriter.SignatureName, false, $"the signature does not match manifest.json for key {key.Fingerprint}"));
        }

        Manifest? manifest = null;
        try
        {
            manifest = JsonSerializer.Deserialize<Manifest>(manifestBytes, AuditJson.Options);
        }
        catch (JsonException e)
        {
            findings.Add(new PackFinding(AuditPackWriter.ManifestName, false, $"not valid JSON: {e.Message}"));
        }
        if (manifest is null) return new PackVerification(findings, keySource);

        if (trustedKey is not null && manifest.KeyFingerprint != trustedKey.Fingerprint)
            findings.Add(new PackFinding(AuditPackWriter.ManifestName, false, $"names key {manifest.KeyFingerprint}, not the trusted {trustedKey.Fingerprint}"));

        CheckListedFiles(manifest, files, findings, "pack");
        var listedPaths = manifest.Files.Select(f => f.Path).Append(AuditPackWriter.ManifestName).Append(AuditPackWriter.SignatureName).ToHashSet(StringComparer.Ordinal);
        if (!listedPaths.Contains(AuditPackWriter.PageName) && files.TryGetValue(AuditPackWriter.PageName, out var page) && key is not null)
        {
            findings.Add(CheckPage(page, files.GetValueOrDefault(AuditPackWriter.PageSignatureName), key, manifestBytes));
            listedPaths.UnionWith([AuditPackWriter.PageName, AuditPackWriter.PageSignatureName]);
        }
        foreach (var extra in files.Keys.Where(k => !listedPaths.Contains(k)).Order(StringComparer.Ordinal))
            findings.Add(new PackFinding(extra, false, "in the pack but not listed in the manifest"));

        if (files.TryGetValue(AuditPackWriter.ExcerptName, out var excerpt))
        {
            var entries = new List<ChainEntry>();
            try
            {
                entries.AddRange(Encoding.UTF8.GetString(excerpt).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                    .Select(line => JsonSerializer.Deserialize<ChainEntry>(line, AuditJson.Options)!));
                var chain = QueryLogChain.Verify(entries);
                findings.Add(new PackFinding($"{AuditPackWriter.ExcerptName} (chain)", chain.Intact, chain.Detail));
            }
            catch (JsonException e)
            {
                findings.Add(new PackFinding($"{AuditPackWriter.ExcerptName} (chain)", false, $"not valid JSON lines: {e.Message}"));
            }
        }
        return new PackVerification(findings, keySource);
    }

    /// <summary>
    /// index.html states the manifest's hash and signature, so the manifest cannot list it: the page
    /// is signed on its own by the same key and must name the hash of this very manifest.
    /// </summary>
    /// <summary>Every file the manifest lists is there with its SHA-256; <paramref name="container"/> names what is checked ("pack", "excerpt").</summary>
    internal static void CheckListedFiles(Manifest manifest, IReadOnlyDictionary<string, byte[]> files, List<PackFinding> findings, string container)
    {
        foreach (var listed in manifest.Files)
        {
            if (!files.TryGetValue(listed.Path, out var bytes))
            {
                findings.Add(new PackFinding(listed.Path, false, $"listed in the manifest but missing from the {container}"));
                continue;
            }
            var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
            findings.Add(actual == listed.Sha256
                ? new PackFinding(listed.Path, true, "SHA-256 matches")
                : new PackFinding(listed.Path, false, $"SHA-256 is {actual}, the manifest says {listed.Sha256}"));
        }
    }

    private static PackFinding CheckPage(byte[] page, byte[]? signatureText, AuditPublicKey key, byte[] manifest)
    {
        byte[]? signature = null;
        try
        {
            signature = signatureText is null ? null : Convert.FromBase64String(Encoding.ASCII.GetString(signatureText).Trim());
        }
        catch (FormatException)
        {
        }
        if (signature is not { Length: 64 } || !key.Verifies(page, signature))
            return new PackFinding(AuditPackWriter.PageName, false, $"{AuditPackWriter.PageSignatureName} is missing or is not a signature of this page by key {key.Fingerprint}");
        var manifestSha = Convert.ToHexStringLower(SHA256.HashData(manifest));
        return Encoding.UTF8.GetString(page).Contains(manifestSha, StringComparison.Ordinal)
            ? new PackFinding(AuditPackWriter.PageName, true, $"signed by {key.Fingerprint}; states the manifest's SHA-256 {manifestSha}")
            : new PackFinding(AuditPackWriter.PageName, false, $"signed, but does not state this manifest's SHA-256 {manifestSha}");
    }
}
