using Appliance.Config;
using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace Appliance.Backup;

/// <summary>
/// The office's backup private key (X25519). It never lives on the box: IT keeps it (a password
/// manager, a USB stick in the safe) and brings it to `provision backup verify|restore`. The box
/// holds only <see cref="Public"/>, so a thief with the box can write backups but read none.
/// Key file text: "x25519-private:" and the base64 of the 32-byte scalar.
/// </summary>
public sealed class OfficeBackupKey
{
    public const string Prefix = "x25519-private:";

    private readonly X25519PrivateKeyParameters _private;

    private OfficeBackupKey(X25519PrivateKeyParameters key)
    {
        _private = key;
        Public = BackupPublicKey.Of(key.GeneratePublicKey().GetEncoded());
    }

    public BackupPublicKey Public { get; }

    public static OfficeBackupKey Create() => new(new X25519PrivateKeyParameters(new SecureRandom()));

    public static OfficeBackupKey Parse(string text, string source)
    {
        text = text.Trim();
        var bytes = new byte[33];
        if (!text.StartsWith(Prefix, StringComparison.Ordinal)
            || !Convert.TryFromBase64String(text[Prefix.Length..], bytes, out var written) || written != 32)
            throw new InvalidDataException($"{source} is not an office backup private key (expected {Prefix} followed by the base64 of 32 bytes)");
        return new(new X25519PrivateKeyParameters(bytes, 0));
    }

    public static OfficeBackupKey Load(string path) => Parse(File.ReadAllText(path), path);

    public string ToText() => Prefix + Convert.ToBase64String(_private.GetEncoded()) + "\n";

    /// <summary>Writes the private key readable by its owner only from the first byte.</summary>
    public void Save(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(ToText());
    }

    internal byte[] Agree(ReadOnlySpan<byte> ephemeralPublic) => X25519.Agree(_private, ephemeralPublic);
}

/// <summary>X25519 key agreement through BouncyCastle (.NET has no X25519 type).</summary>
internal static class X25519
{
    public static byte[] Agree(X25519PrivateKeyParameters own, ReadOnlySpan<byte> otherPublic)
    {
        var agreement = new X25519Agreement();
        agreement.Init(own);
        var secret = new byte[agreement.AgreementSize];
        agreement.CalculateAgreement(new X25519PublicKeyParameters(otherPublic.ToArray(), 0), secret, 0);
        // An all-zero secret means the other key was a low-order point: never derive a key from it.
        if (secret.All(b => b == 0)) throw new InvalidDataException("the key agreement produced no secret (a malformed public key)");
        return secret;
    }

    public static (X25519PrivateKeyParameters Private, byte[] Public) Ephemeral()
    {
        var key = new X25519PrivateKeyParameters(new SecureRandom());
        return (key, key.GeneratePublicKey().GetEncoded());
    }
}
