using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Appliance.Audit.Evidence;
using Appliance.Audit.Signing;

namespace Appliance.Audit.Pack;

/// <summary>One link of the query-log chain without its content: enough to follow the chain past entries an excerpt leaves out.</summary>
public sealed record ChainLink(long Sequence, string PreviousHash, string Hash);

/// <summary>What an excerpt is: the filter that chose its entries, who exported it and when, and the chain's newest link at that moment.</summary>
public sealed record ExcerptAbout(string Appliance, DateTimeOffset CreatedAt, string ExportedBy, string Filter, string QuestionMode, long Entries, ChainLink? Head);

/// <summary>
/// A signed excerpt of the query log — the entries a DPO's filter selected, for an auditor or a
/// court — that `audit verify` checks like a pack: entries.jsonl holds each entry's hashed content
/// and hash; chain.jsonl every link from the first selected entry to the chain's newest, so the
/// selected entries are shown to sit in one unbroken chain (compare its head with a later pack or
/// `appliance log verify`); entries.csv is the readable view the DPO saw; manifest.json lists every
/// file's SHA-256 and is signed by the agent's excerpt key, which the box's audit key certified.
/// </summary>
public static class LogExcerpt
{
    public const string EntriesName = "entries.jsonl";
    public const string ChainName = "chain.jsonl";
    public const string ReadableName = "entries.csv";
    public const string AboutName = "excerpt.json";
    public const string ExcerptKeyName = "excerpt-key.pub";

    public static byte[] Write(ExcerptAbout about, IReadOnlyList<ChainEntry> entries, IReadOnlyList<ChainLink> chain, string readableCsv,
        AuditKey excerptKey, ExcerptKeyCertificate certificate)
    {
        var auditKey = AuditPublicKey.Parse(certificate.AuditKey);
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal)
        {
            [AboutName] = Json(about),
            [EntriesName] = Lines(entries),
            [ChainName] = Lines(chain),
            [ReadableName] = Encoding.UTF8.GetBytes(readableCsv),
            [ExcerptKeyName] = Encoding.UTF8.GetBytes(excerptKey.Public.ToText()),
            [ExcerptKeyCertificate.FileName] = Json(certificate),
            [AuditPackWriter.PublicKeyName] = Encoding.UTF8.GetBytes(auditKey.ToText()),
        };
        var manifest = new Manifest(about.Appliance, about.CreatedAt, about.Filter, "ed25519", auditKey.Fingerprint,
            [.. files.Select(f => new ManifestFile(f.Key, Convert.ToHexStringLower(SHA256.HashData(f.Value)), f.Value.LongLength))]);
        var manifestBytes = Json(manifest);
        files[AuditPackWriter.ManifestName] = manifestBytes;
        files[AuditPackWriter.SignatureName] = Encoding.ASCII.GetBytes(Convert.ToBase64String(excerptKey.Sign(manifestBytes)) + "\n");
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, bytes) in files)
            {
                var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
                entry.LastWriteTime = about.CreatedAt.ToUniversalTime();
                using var output = entry.Open();
                output.Write(bytes);
            }
        return stream.ToArray();
    }

    /// <summary>Whether the files of a zip are an excerpt (it carries the excerpt key's certificate) rather than a pack.</summary>
    public static bool IsExcerpt(IReadOnlyDictionary<string, byte[]> files) => files.ContainsKey(ExcerptKeyCertificate.FileName);

    /// <summary>Checks an excerpt's files; <paramref name="trustedKey"/>: the box's audit public key, when the auditor has it.</summary>
    public static PackVerification Verify(IReadOnlyDictionary<string, byte[]> files, AuditPublicKey? trustedKey)
    {
        var findings = new List<PackFinding>();
        var keySource = trustedKey is null
            ? $"the audit key inside the excerpt ({AuditPackWriter.PublicKeyName}): compare its fingerprint with the one in the provisioning journal or a pack"
            : "the --public-key given";

        ExcerptKeyCertificate? certificate = Read<ExcerptKeyCertificate>(files, ExcerptKeyCertificate.FileName, findings);
        AuditPublicKey? excerptKey = null;
        if (certificate is not null)
        {
            var problem = certificate.Problem();
            findings.Add(problem is null
                ? new PackFinding(ExcerptKeyCertificate.FileName, true, $"the audit key {AuditPublicKey.Parse(certificate.AuditKey).Fingerprint} certified the excerpt key")
                : new PackFinding(ExcerptKeyCertificate.FileName, false, problem));
            if (problem is null)
            {
                var audit = AuditPublicKey.Parse(certificate.AuditKey);
                if (trustedKey is not null && audit.Fingerprint != trustedKey.Fingerprint)
                    findings.Add(new PackFinding(ExcerptKeyCertificate.FileName, false, $"certified by {audit.Fingerprint}, not the trusted {trustedKey.Fingerprint}"));
                excerptKey = AuditPublicKey.Parse(certificate.ExcerptKey);
                if (Encoding.UTF8.GetString(files.GetValueOrDefault(ExcerptKeyName) ?? []) != certificate.ExcerptKey)
                    findings.Add(new PackFinding(ExcerptKeyName, false, "is not the key the certificate names"));
                if (Encoding.UTF8.GetString(files.GetValueOrDefault(AuditPackWriter.PublicKeyName) ?? []) != certificate.AuditKey)
                    findings.Add(new PackFinding(AuditPackWriter.PublicKeyName, false, "is not the audit key that signed the certificate"));
            }
        }

        if (!files.TryGetValue(AuditPackWriter.ManifestName, out var manifestBytes))
            return new PackVerification([.. findings, new PackFinding(AuditPackWriter.ManifestName, false, "missing")], keySource);
        if (excerptKey is not null)
        {
            byte[]? signature = null;
            try
            {
                signature = Convert.FromBase64String(Encoding.ASCII.GetString(files.GetValueOrDefault(AuditPackWriter.SignatureName) ?? []).Trim());
            }
            catch (FormatException)
            {
            }
            findings.Add(signature is { Length: 64 } && excerptKey.Verifies(manifestBytes, signature)
                ? new PackFinding(AuditPackWriter.SignatureName, true, $"valid Ed25519 signature by the certified excerpt key {excerptKey.Fingerprint}")
                : new PackFinding(AuditPackWriter.SignatureName, false, $"the signature does not match manifest.json for excerpt key {excerptKey.Fingerprint}"));
        }

        if (Read<Manifest>(files, AuditPackWriter.ManifestName, findings) is not { } manifest) return new PackVerification(findings, keySource);
        AuditPackVerifier.CheckListedFiles(manifest, files, findings, "excerpt");
        var listedPaths = manifest.Files.Select(f => f.Path).Append(AuditPackWriter.ManifestName).Append(AuditPackWriter.SignatureName).ToHashSet(StringComparer.Ordinal);
        foreach (var extra in files.Keys.Where(k => !listedPaths.Contains(k)).Order(StringComparer.Ordinal))
            findings.Add(new PackFinding(extra, false, "in the excerpt but not listed in the manifest"));

        findings.Add(CheckEntries(files, Read<ExcerptAbout>(files, AboutName, findings)));
        return new PackVerification(findings, keySource);
    }

    /// <summary>Each entry hashes to its hash and carries its number and link; the links run unbroken from the first entry to the stated head; every entry sits on them.</summary>
    private static PackFinding CheckEntries(IReadOnlyDictionary<string, byte[]> files, ExcerptAbout? about)
    {
        const string subject = EntriesName + " (chain)";
        List<ChainEntry> entries;
        List<ChainLink> chain;
        try
        {
            entries = ReadLines<ChainEntry>(files, EntriesName);
            chain = ReadLines<ChainLink>(files, ChainName);
        }
        catch (JsonException e)
        {
            return new PackFinding(subject, false, $"not valid JSON lines: {e.Message}");
        }
        foreach (var entry in entries)
            if (new ChainWalk(purgeAnchors: null).Next(entry) is { } problem)
                return new PackFinding(subject, false, $"entry {entry.Sequence}: {problem}");
        for (var i = 1; i < chain.Count; i++)
            if (chain[i].Sequence != chain[i - 1].Sequence + 1 || chain[i].PreviousHash != chain[i - 1].Hash)
                return new PackFinding(subject, false, $"the chain breaks between entries #{chain[i - 1].Sequence} and #{chain[i].Sequence}");
        var links = chain.ToDictionary(l => l.Sequence);
        foreach (var entry in entries)
            if (!links.TryGetValue(entry.Sequence, out var link) || link.Hash != entry.Hash || link.PreviousHash != entry.PreviousHash)
                return new PackFinding(subject, false, $"entry {entry.Sequence} is not the chain's entry #{entry.Sequence}");
        if (about is not null && about.Entries != entries.Count)
            return new PackFinding(subject, false, $"{AboutName} says {about.Entries} entries, {EntriesName} holds {entries.Count}");
        if (about?.Head is { } head && chain.Count > 0 && chain[^1] != head)
            return new PackFinding(subject, false, $"the chain does not end at the head #{head.Sequence} that {AboutName} states");
        return new PackFinding(subject, true, entries.Count == 0 ? "no entries selected"
            : $"{entries.Count} entries hash correctly and sit on one unbroken chain of {chain.Count} links up to #{chain[^1].Sequence} ({chain[^1].Hash[..16]}…)");
    }

    private static T? Read<T>(IReadOnlyDictionary<string, byte[]> files, string name, List<PackFinding> findings) where T : class
    {
        if (!files.TryGetValue(name, out var bytes))
        {
            findings.Add(new PackFinding(name, false, "missing"));
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<T>(bytes, AuditJson.Options);
        }
        catch (JsonException e)
        {
            findings.Add(new PackFinding(name, false, $"not valid JSON: {e.Message}"));
            return null;
        }
    }

    private static List<T> ReadLines<T>(IReadOnlyDictionary<string, byte[]> files, string name) =>
        [.. Encoding.UTF8.GetString(files.GetValueOrDefault(name) ?? []).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonSerializer.Deserialize<T>(line, AuditJson.Options) ?? throw new JsonException("an empty line"))];

    private static byte[] Json<T>(T value) => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(value, AuditJson.Options) + "\n");

    private static byte[] Lines<T>(IEnumerable<T> items) =>
        Encoding.UTF8.GetBytes(string.Concat(items.Select(i => JsonSerializer.Serialize(i, AuditJson.Lines) + "\n")));
}
