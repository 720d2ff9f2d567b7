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
