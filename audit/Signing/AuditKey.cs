using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace Appliance.Audit.Signing;

/// <summary>
/// The appliance's audit signing key: Ed25519, chosen because its signatures are deterministic, so
/// the same pack contents always give the same signature bytes. Stored as base64 of the 32-byte
/// private seed (root-only file) and of the 32-byte public key.
/// </summary>
public sealed class AuditKey
{
    private readonly Ed25519PrivateKeyParameters _private;

    private AuditKey(Ed25519PrivateKeyParameters key)
    {
        _private = key;
        Public = new AuditPublicKey(key.GeneratePublicKey().GetEncoded());
    }

    public AuditPublicKey Public { get; }

    public static AuditKey Create() => new(new Ed25519PrivateKeyParameters(new SecureRandom()));

    public static AuditKey FromSeed(ReadOnlySpan<byte> seed) => new(new Ed25519PrivateKeyParameters(seed.ToArray(), 0));

    /// <summary>Reads a key file written by <see cref="Save"/>.</summary>
    public static AuditKey Load(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>A key from the text of a key file (base64 of the 32-byte seed); <paramref name="source"/> names it in errors.</summary>
    public static AuditKey Parse(string text, string source)
    {
        byte[] seed;
        try
        {
            seed = Convert.FromBase64String(text.Trim());
        }
        catch (FormatException)
        {
            throw new InvalidDataException($"{source} is not an audit key (expected base64 of a 32-byte Ed25519 seed)");
        }
        if (seed.Length != 32) throw new InvalidDataException($"{source} is not an audit key (expected 32 bytes, found {seed.Length})");
        return FromSeed(seed);
    }

    /// <summary>Writes the private key readable by its owner only, and the public key beside it (.pub).</summary>
    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + ".tmp";
        // Created owner-only from the first byte: the key must never be readable by others, even briefly.
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temp, options))
        using (var writer = new StreamWriter(stream))
            writer.Write(Convert.ToBase64String(_private.GetEncoded()));
        File.Move(temp, path, overwrite: true);
        File.WriteAllText(path + ".pub", Public.ToText());
    }

    public byte[] Sign(byte[] message)
    {
        var signer = new Ed25519Signer();
        signer.Init(true, _private);
        signer.BlockUpdate(message, 0, message.Length);
        return signer.GenerateSignature();
    }
}

/// <summary>An audit public key and its fingerprint, as printed in packs and the provisioning journal.</summary>
public sealed record AuditPublicKey(byte[] Bytes)
{
    /// <summary>"SHA256:" + hex of the SHA-256 of the raw public key.</summary>
    public string Fingerprint => "SHA256:" + Convert.ToHexStringLower(SHA256.HashData(Bytes));

    public string ToText() => "ed25519 " + Convert.ToBase64String(Bytes) + "\n";

    public static AuditPublicKey Parse(string text)
    {
        var parts = text.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        try
        {
            if (parts.Length == 2 && parts[0] == "ed25519" && Convert.FromBase64String(parts[1]) is { Length: 32 } bytes)
                return new AuditPublicKey(bytes);
        }
        catch (FormatException)
        {
        }
        throw new InvalidDataException("not an audit public key (expected 'ed25519 <base64 of 32 bytes>')");
    }

    public bool Verifies(byte[] message, byte[] signature)
    {
        var verifier = new Ed25519Signer();
        verifier.Init(false, new Ed25519PublicKeyParameters(Bytes, 0));
        verifier.BlockUpdate(message, 0, message.Length);
        return verifier.VerifySignature(signature);
    }
}
