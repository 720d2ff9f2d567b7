using System.IO.Compression;
using Appliance.Rag.Extraction;
using PdfSharp.Pdf;

namespace Appliance.Rag.Tests;

/// <summary>Corrupt and hostile files are skipped with a reason; the run goes on and nothing crashes.</summary>
[Collection(SampleOfficeCollection.Name)]
public sealed class BadInputTests(SampleOfficeFixture office)
{
    [Fact]
    public async Task Every_bad_file_is_skipped_with_its_reason_and_the_good_one_is_indexed()
    {
        var folder = Directory.CreateTempSubdirectory("bad-inputs").FullName;
        var pdf = await File.ReadAllBytesAsync(office.File("handbook/it-security.pdf"));
        await File.WriteAllBytesAsync(Path.Combine(folder, "truncated.pdf"), pdf[..(pdf.Length / 3)]);
        WriteEncryptedPdf(Path.Combine(folder, "encrypted.pdf"));
        WriteZipBomb(Path.Combine(folder, "bomb.docx"));
        await File.WriteAllTextAsync(Path.Combine(folder, "not-a-zip.xlsx"), "this is plain text wearing an .xlsx name");
        await File.WriteAllBytesAsync(Path.Combine(folder, "program.txt"), [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0x3e, 0, 1, 0]);
        using (var huge = File.Create(Path.Combine(folder, "huge.md"))) huge.SetLength(3L * 1024 * 1024);
        Directory.CreateSymbolicLink(Path.Combine(folder, "loop"), folder);
        File.CreateSymbolicLink(Path.Combine(folder, "dangling.md"), Path.Combine(folder, "nowhere.md"));
        // A file the kernel refuses to read (EIO), which also defeats root's permission bypass.
        File.CreateSymbolicLink(Path.Combine(folder, "unreadable.txt"), "/proc/self/mem");
        await File.WriteAllTextAsync(Path.Combine(folder, "empty.md"), "   \n\n  ");
        await File.WriteAllTextAsync(Path.Combine(folder, "good.md"), "# Good\n\nThe coffee machine is descaled on Fridays.\n");

        using var box = new TestBox(folder, office.Hr, maxFileMb: 2);
        using var library = await box.OpenAsync();
        var report = await library.IngestAsync("handbook", null, CancellationToken.None);

        Assert.Equal(1, report.Added);
        string Reason(string path) => Assert.Single(report.Skipped, s => s.Path == path).Reason;
        Assert.Contains("damaged PDF", Reason("truncated.pdf"), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("encrypted", Reason("encrypted.pdf"));
        Assert.Contains("zip bomb", Reason("bomb.docx"));
        Assert.Contains("not a valid Office file", Reason("not-a-zip.xlsx"));
        Assert.Contains("binary", Reason("program.txt"));
        Assert.Contains("too large", Reason("huge.md"));
        Assert.Contains("symbolic link loop", Reason("loop"));
        Assert.Contains("broken symbolic link", Reason("dangling.md"));
        Assert.Contains("cannot read file", Reason("unreadable.txt"));
        Assert.Contains("no text", Reason("empty.md"));
        Assert.Empty(library.CheckIntegrity());

        // Failures are remembered by content hash: an unchanged bad file is not re-read, but still reported.
        var again = await library.IngestAsync("handbook", null, CancellationToken.None);
        Assert.Equal((0, 1), (again.Added, again.Unchanged));
        Assert.Equal(report.Skipped.Select(s => (s.Path, s.Reason)), again.Skipped.Select(s => (s.Path, s.Reason)));
        var listed = await library.ListDocumentsAsync(["everyone"], CancellationToken.None);
        Assert.Equal(DocumentStatus.Failed, Assert.Single(listed, d => d.Path == "bomb.docx").Status);
    }

    private static void WriteEncryptedPdf(string path)
    {
        using var document = new PdfDocument();
        document.AddPage();
        document.SecuritySettings.UserPassword = "secret";
        document.SecuritySettings.OwnerPassword = "owner";
        document.Save(path);
    }

    /// <summary>A .docx whose document part expands from a few kilobytes to 64 MB of zeros.</summary>
    private static void WriteZipBomb(string path)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        using var entry = zip.CreateEntry("word/document.xml", CompressionLevel.SmallestSize).Open();
        var zeros = new byte[1024 * 1024];
        for (var i = 0; i < 64; i++) entry.Write(zeros);
    }
}
