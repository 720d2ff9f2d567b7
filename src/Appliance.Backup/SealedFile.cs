using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Appliance.Config;

namespace Appliance.Backup;

/// <summary>A sealed file could not be opened: damaged, cut short, or sealed for another key.</summary>
public sealed class SealedFileException(string message) : Exception(message);

/// <summary>
/// One file sealed for the office's public key: ephemeral-static X25519, HKDF-SHA256 to a fresh
/// AES-256 key per file, then AES-256-GCM over 1 MiB chunks (the STREAM construction: the nonce is
/// the chunk's number, the associated data binds the header, the chunk's length and whether it is
/// the last, so chunks cannot be reordered, dropped or cut off unnoticed). Only the private key's
/// holder can open it. Layout: magic, ephemeral public key (32), then records of
/// [length|last-flag (4, big-endian)][ciphertext][tag (16)].
/// </summary>
public static class SealedFile
{
    public const int ChunkSize = 1 << 20;
    private const uint LastFlag = 0x8000_0000;
    private const int TagSize = 16;
    private static readonly byte[] Magic = "appliance-backup/1\n"u8.ToArray();
    private static readonly byte[] Info = "appliance backup file key v1"u8.ToArray();
    public static int HeaderSize => Magic.Length + 32;

    public static async Task SealAsync(Stream plain, Stream output, BackupPublicKey recipient, CancellationToken ct)
    {
        var (ephemeral, ephemeralPublic) = X25519.Ephemeral();
        var header = Magic.Concat(ephemeralPublic).ToArray();
        var key = DeriveKey(X25519.Agree(ephemeral, recipient.Bytes), ephemeralPublic, recipient.Bytes);
        using var gcm = new AesGcm(key, TagSize);
        await output.WriteAsync(header, ct);

        var current = new byte[ChunkSize];
        var next = new byte[ChunkSize];
        var currentLength = await FillAsync(plain, current, ct);
        var cipher = new byte[ChunkSize + TagSize];
        for (ulong counter = 0; ; counter++)
        {
            var nextLength = currentLength == ChunkSize ? await FillAsync(plain, next, ct) : 0;
            var last = nextLength == 0;
            var word = (uint)currentLength | (last ? LastFlag : 0);
            var lengthBytes = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(lengthBytes, word);
            gcm.Encrypt(Nonce(counter), current.AsSpan(0, currentLength), cipher.AsSpan(0, currentLength),
                cipher.AsSpan(currentLength, TagSize), Associated(header, lengthBytes));
            await output.WriteAsync(lengthBytes, ct);
            await output.WriteAsync(cipher.AsMemory(0, currentLength + TagSize), ct);
            if (last) break;
            (current, next) = (next, current);
            currentLength = nextLength;
        }
    }

    /// <summary>Writes the plaintext to <paramref name="output"/>; throws <see cref="SealedFileException"/> on any damage.</summary>
    public static async Task OpenAsync(Stream sealedFile, Stream output, OfficeBackupKey key, CancellationToken ct)
    {
        var header = new byte[HeaderSize];
        if (await FillAsync(sealedFile, header, ct) != header.Length || !header.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new SealedFileException("not a sealed backup file (header missing or damaged)");
        var ephemeralPublic = header.AsSpan(Magic.Length, 32).ToArray();
        byte[] fileKey;
        try
        {
            fileKey = DeriveKey(key.Agree(ephemeralPublic), ephemeralPublic, key.Public.Bytes);
        }
        catch (InvalidDataException e)
        {
            throw new SealedFileException(e.Message);
        }
        using var gcm = new AesGcm(fileKey, TagSize);
        var lengthBytes = new byte[4];
        var cipher = new byte[ChunkSize + TagSize];
        var plain = new byte[ChunkSize];
        for (ulong counter = 0; ; counter++)
        {
            if (await FillAsync(sealedFile, lengthBytes, ct) != 4)
                throw new SealedFileException($"cut short after chunk {counter} (the last chunk is missing)");
            var word = BinaryPrimitives.ReadUInt32BigEndian(lengthBytes);
            var length = (int)(word & ~LastFlag);
            if (length > ChunkSize) throw new SealedFileException($"chunk {counter} is damaged (length {length})");
            if (await FillAsync(sealedFile, cipher.AsMemory(0, length + TagSize), ct) != length + TagSize)
                throw new SealedFileException($"cut short in chunk {counter}");
            try
            {
                gcm.Decrypt(Nonce(counter), cipher.AsSpan(0, length), cipher.AsSpan(length, TagSize), plain.AsSpan(0, length),
                    Associated(header, lengthBytes));
            }
            catch (AuthenticationTagMismatchException)
            {
                throw new SealedFileException($"chunk {counter} does not authenticate (changed on the disk, or sealed for another key)");
            }
            await output.WriteAsync(plain.AsMemory(0, length), ct);
            if ((word & LastFlag) != 0) break;
        }
        if (await sealedFile.ReadAsync(lengthBytes.AsMemory(0, 1), ct) != 0)
            throw new SealedFileException("has bytes after its last chunk");
    }

    public static async Task SealFileAsync(string plainPath, string sealedPath, BackupPublicKey recipient, CancellationToken ct)
    {
        await using var input = new FileStream(plainPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, useAsync: true);
        await using var output = new FileStream(sealedPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        await SealAsync(input, output, recipient, ct);
        await output.FlushAsync(ct);
        output.Flush(flushToDisk: true);
    }

    public static byte[] Seal(byte[] plain, BackupPublicKey recipient)
    {
        using var output = new MemoryStream();
        SealAsync(new MemoryStream(plain), output, recipient, CancellationToken.None).GetAwaiter().GetResult();
        return output.ToArray();
    }

    public static async Task<byte[]> OpenAsync(byte[] sealedBytes, OfficeBackupKey key, CancellationToken ct)
    {
        using var output = new MemoryStream();
        await OpenAsync(new MemoryStream(sealedBytes), output, key, ct);
        return output.ToArray();
    }

    private static byte[] DeriveKey(byte[] shared, byte[] ephemeralPublic, ReadOnlySpan<byte> recipient) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, 32, [.. ephemeralPublic, .. recipient], Info);

    private static byte[] Nonce(ulong counter)
    {
        var nonce = new byte[12];
        BinaryPrimitives.WriteUInt64BigEndian(nonce.AsSpan(4), counter);
        return nonce;
    }

    private static byte[] Associated(byte[] header, byte[] lengthBytes) => [.. header, .. lengthBytes];

    private static async Task<int> FillAsync(Stream stream, Memory<byte> buffer, CancellationToken ct)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer[total..], ct);
            if (read == 0) break;
            total += read;
        }
        return total;
    }

    internal static string Describe() => Encoding.ASCII.GetString(Magic).Trim();
}
