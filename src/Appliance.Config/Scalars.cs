using System.Globalization;

namespace Appliance.Config;

/// <summary>A config value written as one YAML scalar, with its own parsing and spelling.</summary>
public interface IConfigScalar<TSelf> where TSelf : IConfigScalar<TSelf>
{
    /// <summary>What a valid value looks like, for error messages.</summary>
    static abstract string Expected { get; }
    static abstract bool TryParse(string text, out TSelf value);
    string ToConfigString();
}

/// <summary>A SHA-256 digest as 64 lower-case hex characters.</summary>
public readonly record struct Sha256 : IConfigScalar<Sha256>
{
    private Sha256(string hex) => Hex = hex;

    public string Hex { get; }

    public static string Expected => "64 hex characters (a SHA-256 digest)";

    public static bool TryParse(string text, out Sha256 value)
    {
        value = default;
        if (text.Length != 64 || !text.All(char.IsAsciiHexDigit)) return false;
        value = new Sha256(text.ToLowerInvariant());
        return true;
    }

    public static Sha256 Parse(string text) =>
        TryParse(text, out var value) ? value : throw new FormatException($"not {Expected}: '{text}'");

    public static Sha256 Of(ReadOnlySpan<byte> bytes) =>
        new(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));

    public string ToConfigString() => Hex;
    public override string ToString() => Hex;
}

/// <summary>Either "auto" (the appliance decides) or a positive whole number.</summary>
public readonly record struct AutoOrNumber : IConfigScalar<AutoOrNumber>
{
    private AutoOrNumber(int? value) => Value = value;

    public static AutoOrNumber Auto => default;
    public static AutoOrNumber Of(int value) => value > 0
        ? new(value)
        : throw new ArgumentOutOfRangeException(nameof(value), "must be positive");

    /// <summary>The number, or null for auto.</summary>
    public int? Value { get; }
    public bool IsAuto => Value is null;

    public static string Expected => "'auto' or a positive whole number";

    public static bool TryParse(string text, out AutoOrNumber value)
    {
        value = Auto;
        if (text == "auto") return true;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            value = new(n);
            return true;
        }
        return false;
    }

    public string ToConfigString() => Value?.ToString(CultureInfo.InvariantCulture) ?? "auto";
    public override string ToString() => ToConfigString();
}

/// <summary>An X25519 public key written as "x25519:" and the base64 of its 32 bytes.</summary>
public readonly record struct BackupPublicKey : IConfigScalar<BackupPublicKey>
{
    public const string Prefix = "x25519:";

    private BackupPublicKey(byte[] bytes) => _bytes = bytes;

    private readonly byte[]? _bytes;

    public ReadOnlySpan<byte> Bytes => _bytes;

    public static string Expected => "x25519: followed by the base64 of 32 bytes (an office backup public key)";

    public static bool TryParse(string text, out BackupPublicKey value)
    {
        value = default;
        if (!text.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        var bytes = new byte[33];
        if (!Convert.TryFromBase64String(text[Prefix.Length..], bytes, out var written) || written != 32) return false;
        value = new BackupPublicKey(bytes[..32]);
        return true;
    }

    public static BackupPublicKey Parse(string text) =>
        TryParse(text, out var value) ? value : throw new FormatException($"not {Expected}: '{text}'");

    public static BackupPublicKey Of(ReadOnlySpan<byte> bytes) =>
        bytes.Length == 32 ? new BackupPublicKey(bytes.ToArray()) : throw new ArgumentException("an X25519 public key has 32 bytes", nameof(bytes));

    /// <summary>"SHA256:" and the first 16 hex digits of the key's SHA-256, as backup listings print it.</summary>
    public string Fingerprint => "SHA256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Bytes))[..16];

    public bool Equals(BackupPublicKey other) => Bytes.SequenceEqual(other.Bytes);
    public override int GetHashCode() => _bytes is null ? 0 : BitConverter.ToInt32(_bytes, 0);

    public string ToConfigString() => Prefix + Convert.ToBase64String(Bytes);
    public override string ToString() => ToConfigString();
}
