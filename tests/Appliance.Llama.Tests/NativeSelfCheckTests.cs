namespace Appliance.Llama.Tests;

/// <summary>The pinned native build is present, matches its pin byte for byte, and loads.</summary>
public sealed class NativeSelfCheckTests
{
    [Fact]
    public void The_pinned_libraries_are_present_intact_and_load()
    {
        var report = NativeSelfCheck.Run();
        Assert.Empty(report.Problems);
        Assert.True(report.Passed);
        Assert.Equal("@node-llama-cpp/linux-x64@3.21.1", report.Package);
        Assert.Contains("CPU", report.SystemInfo);
    }

    [Fact]
    public void The_pins_file_pins_both_builds_at_the_same_version()
    {
        var pins = NativePin.All();
        Assert.Equal(["linux-x64", "osx-arm64"], pins.Select(p => p.RuntimeId).Order());
        Assert.Single(pins.Select(p => p.Version).Distinct());
        Assert.All(pins, p => Assert.StartsWith("sha512-", p.Integrity));
    }

    [Fact]
    public void A_tampered_library_is_named()
    {
        var real = NativeFolder.Locate();
        var copy = Directory.CreateTempSubdirectory("native-copy").FullName;
        foreach (var file in Directory.GetFiles(real.Path, "*", SearchOption.TopDirectoryOnly).Where(f => !f.Contains("cpu-")))
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        // Only the libraries listed in SHA256SUMS that we copied are checked; drop the rest from the list.
        var sums = Path.Combine(copy, "SHA256SUMS");
        File.WriteAllLines(sums, File.ReadAllLines(sums).Where(l => !l.Contains("cpu-")));
        using (var stream = File.OpenWrite(Path.Combine(copy, "libggml-base.so")))
        {
            stream.Seek(1000, SeekOrigin.Begin);
            stream.WriteByte(0x42);
        }

        var problems = (real with { Path = copy }).Problems();
        var problem = Assert.Single(problems);
        Assert.StartsWith("libggml-base.so has SHA-256", problem);
        Directory.Delete(copy, recursive: true);
    }

    [Fact]
    public void A_folder_installed_from_another_tarball_is_named()
    {
        var real = NativeFolder.Locate();
        var problems = (real with { Pin = real.Pin with { Integrity = "sha512-other" } }).Problems();
        Assert.Contains(problems, p => p.Contains("pinned sha512-other"));
    }
}
