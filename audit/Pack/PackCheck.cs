using System.Security.Cryptography;

namespace Appliance.Audit.Pack;

/// <summary>
/// What a person needs to check a pack by hand: the manifest's SHA-256 and signature, the key that
/// made it (fingerprint and PEM for openssl), and every file's digest. index.html states it; since
/// a page cannot hold the hash of a manifest that lists the page, index.html stays out of the
/// manifest and carries its own signature (index.html.sig) by the same key.
/// </summary>
public sealed record PackCheck(string ManifestSha256, string Signature, string KeyFingerprint, string PublicKeyPem, IReadOnlyList<ManifestFile> Files)
{
    /// <summary>The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the 32 key bytes follow it.</summary>
    private static readonly byte[] Ed25519SpkiPrefix = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];

    public static PackCheck Of(byte[] manifest, byte[] signature, Signing.AuditPublicKey key, IReadOnlyList<ManifestFile> files) =>
        new(Convert.ToHexStringLower(SHA256.HashData(manifest)), Convert.ToBase64String(signature), key.Fingerprint, Pem(key), files);

    /// <summary>The key as openssl reads it (-----BEGIN PUBLIC KEY-----).</summary>
    public static string Pem(Signing.AuditPublicKey key) =>
        "-----BEGIN PUBLIC KEY-----\n" + Convert.ToBase64String([.. Ed25519SpkiPrefix, .. key.Bytes]) + "\n-----END PUBLIC KEY-----\n";
}
