using System.Security.Cryptography;

namespace Appliance.Backup.Tests;

/// <summary>Only the office's private key opens a sealed file, and any change to it is refused.</summary>
public sealed class SealedFileTests
{
    private static readonly OfficeBackupKey Office = OfficeBackupKey.Create();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(SealedFile.ChunkSize)]
    [InlineData(SealedFile.ChunkSize * 2 + 17)]
    public async Task A_sealed_file_opens_to_the_same_bytes_with_the_private_key(int size)
    {
        var plain = RandomNumberGenerator.GetBytes(size);
        var sealedBytes = SealedFile.Seal(plain, Office.Public);
        Assert.False(size > 64 && sealedBytes.AsSpan().IndexOf(plain.AsSpan(0, 64)) >= 0);
        Assert.Equal(plain, await SealedFile.OpenAsync(sealedBytes, Office, CancellationToken.None));
    }

    [Fact]
    public async Task Another_key_a_flipped_byte_a_cut_and_a_dropped_last_chunk_are_each_refused()
    {
        var plain = RandomNumberGenerator.GetBytes(SealedFile.ChunkSize + 100);
        var sealedBytes = SealedFile.Seal(plain, Office.Public);

        var other = await Assert.ThrowsAsync<SealedFileException>(() => SealedFile.OpenAsync(sealedBytes, OfficeBackupKey.Create(), CancellationToken.None));
        Assert.Contains("does not authenticate", other.Message);

        var flipped = (byte[])sealedBytes.Clone();
        flipped[SealedFile.HeaderSize + SealedFile.ChunkSize + 40] ^= 1;
        Assert.Contains("chunk 1 does not authenticate", (await Assert.ThrowsAsync<SealedFileException>(() => SealedFile.OpenAsync(flipped, Office, CancellationToken.None))).Message);

        var cut = sealedBytes[..(SealedFile.HeaderSize + 4 + SealedFile.ChunkSize + 16)];
        Assert.Contains("cut short after chunk 1", (await Assert.ThrowsAsync<SealedFileException>(() => SealedFile.OpenAsync(cut, Office, CancellationToken.None))).Message);

        var header = (byte[])sealedBytes.Clone();
        header[3] ^= 1;
        Assert.Contains("not a sealed backup file", (await Assert.ThrowsAsync<SealedFileException>(() => SealedFile.OpenAsync(header, Office, CancellationToken.None))).Message);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_private_key_file_round_trips_and_is_owner_only()
    {
        var folder = Directory.CreateTempSubdirectory("backup-key-").FullName;
        try
        {
            var path = Path.Combine(folder, "office-backup.key");
            Office.Save(path);
            Assert.Equal(Office.Public, OfficeBackupKey.Load(path).Public);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.Throws<InvalidDataException>(() => OfficeBackupKey.Parse(Office.Public.ToConfigString(), "the public key"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
