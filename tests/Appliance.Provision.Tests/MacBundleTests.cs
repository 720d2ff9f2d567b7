using System.Buffers.Binary;
using System.Security.Cryptography;
using Appliance.Exec;
using Appliance.Llama;
using Appliance.Provision.Bundle;

namespace Appliance.Provision.Tests;

/// <summary>The osx-arm64 bundle, built once for all checks below (about half a minute, 150 MB).</summary>
public sealed class MacBundleFixture : IAsyncLifetime
{
    public const string Runtime = "osx-arm64";

    private readonly string folder = Directory.CreateTempSubdirectory("mac-bundle-").FullName;

    public BuiltBundle Bundle { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Bundle = await new AgentBundle(new LocalCommandRunner(), TestBox.RepositoryRoot).BuildAsync(Runtime, Path.Combine(folder, "bundle"), null, CancellationToken.None);

    public Task DisposeAsync()
    {
        Directory.Delete(folder, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>
/// What a Linux machine can prove about a bundle for a Mac without running it: every native file is
/// a Mach-O for arm64, every library it loads is inside the bundle or part of macOS, Metal is linked,
/// the binding finds the libraries it names, no test double rides along, and the manifest is true.
/// </summary>
public sealed class MacBundleTests(MacBundleFixture fixture) : IClassFixture<MacBundleFixture>
{
    private BuiltBundle Bundle => fixture.Bundle;
    private string Folder => Bundle.Folder;

    private const uint MachO64 = 0xFEEDFACF;
    private const uint CpuTypeArm64 = 0x0100000C;

    /// <summary>Native files: the two programs' app hosts, the .NET runtime's and llama.cpp's libraries, createdump.</summary>
    private IEnumerable<string> NativeFiles() => Bundle.Files.Keys.Where(f =>
        f.EndsWith(".dylib", StringComparison.Ordinal) || f.EndsWith(".so", StringComparison.Ordinal)
        || (!Path.GetFileName(f).Contains('.') && !OperatingSystem.IsWindows() && (File.GetUnixFileMode(Path.Combine(Folder, f)) & UnixFileMode.UserExecute) != 0));

    [Fact]
    public void Every_executable_and_library_is_a_mach_o_for_arm64()
    {
        var native = NativeFiles().ToList();
        Assert.Contains("appliance", native);
        Assert.Contains("provision", native);
        Assert.Contains(native, f => f.StartsWith("native/osx-arm64/", StringComparison.Ordinal));
        Assert.Contains("libcoreclr.dylib", native);
        Assert.All(native, f =>
        {
            var header = new byte[8];
            using (var stream = File.OpenRead(Path.Combine(Folder, f))) stream.ReadExactly(header);
            Assert.True(BinaryPrimitives.ReadUInt32LittleEndian(header) == MachO64, $"{f} is not a 64-bit Mach-O");
            Assert.True(BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4)) == CpuTypeArm64, $"{f} is not built for arm64");
        });
    }

    [Fact]
    public void The_bundle_carries_the_dpo_verifier_as_one_file_for_windows_and_for_macOS()
    {
        Assert.Equal(["verifier/osx-arm64/appliance-audit-verify", "verifier/win-x64/appliance-audit-verify.exe"],
            Bundle.Files.Keys.Where(f => f.StartsWith("verifier/", StringComparison.Ordinal)).Order(StringComparer.Ordinal));

        // Windows: a PE image for x64 (MZ, then "PE\0\0" and machine 0x8664 where e_lfanew points).
        var exe = File.ReadAllBytes(Path.Combine(Folder, AgentBundle.VerifierPath("win-x64")));
        Assert.Equal("MZ"u8.ToArray(), exe[..2]);
        var pe = BinaryPrimitives.ReadInt32LittleEndian(exe.AsSpan(0x3C));
        Assert.Equal("PE\0\0"u8.ToArray(), exe[pe..(pe + 4)]);
        Assert.Equal(0x8664, BinaryPrimitives.ReadUInt16LittleEndian(exe.AsSpan(pe + 4)));

        // macOS: a Mach-O for arm64 that runs by itself (the single-file host carries the runtime).
        var mac = Path.Combine(Folder, AgentBundle.VerifierPath("osx-arm64"));
        var header = File.ReadAllBytes(mac)[..8];
        Assert.Equal((MachO64, CpuTypeArm64), (BinaryPrimitives.ReadUInt32LittleEndian(header), BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4))));
        Assert.True(!OperatingSystem.IsWindows() && (File.GetUnixFileMode(mac) & UnixFileMode.UserExecute) != 0);
        // Self-contained single files: tens of megabytes, not a framework-dependent stub.
        Assert.All(new[] { exe.LongLength, new FileInfo(mac).Length }, size => Assert.InRange(size, 20_000_000, 120_000_000));
    }

    [Fact]
    public async Task Every_library_a_native_file_loads_is_in_the_bundle_or_part_of_macOS()
    {
        var native = NativeFiles().ToList();
        var result = await new LocalCommandRunner().RunAsync(Command.Of("llvm-objdump", ["--macho", "--dylibs-used", .. native.Select(f => Path.Combine(Folder, f))])
            .WithTimeout(TimeSpan.FromMinutes(2)));
        Assert.True(result.Succeeded, result.StandardError);
        var used = DylibsUsed(result.StandardOutput);
        Assert.Equal(native.Count, used.Count);
        // A library's own install name is listed among what it uses, but it is a name, not a load:
        // .NET opens its libraries by path (SQLite's says ./bin/e_sqlite3/mac/arm64/…).
        var ids = await DylibIdsAsync(native);
        var unresolved = used.SelectMany(u => u.Value.Where(d => ids.GetValueOrDefault(u.Key) != d && !Resolves(u.Key, d))
            .Select(d => $"{Path.GetRelativePath(Folder, u.Key)} → {d}")).ToList();
        Assert.True(unresolved.Count == 0, "not in the bundle nor in /usr/lib or /System/Library/Frameworks:\n" + string.Join("\n", unresolved));

        // ggml's Metal backend, which the binding's ggml loads at run time.
        var metal = Assert.Single(used, u => Path.GetFileName(u.Key) == "libggml-metal.so");
        Assert.Contains("/System/Library/Frameworks/Metal.framework/Versions/A/Metal", metal.Value);
    }

    [Fact]
    public void The_libraries_the_binding_loads_on_macOS_are_in_the_bundle()
    {
        var native = new NativeFolder(Path.Combine(Folder, "native", MacBundleFixture.Runtime), NativePin.ForRuntime(MacBundleFixture.Runtime));
        Assert.True(native.Pin.IsMetal);
        Assert.All(new[] { native.LlamaLibrary, native.GgmlLibrary, native.GgmlBaseLibrary }, library => Assert.True(File.Exists(library), library));
    }

    [Fact]
    public void No_test_double_is_inside()
    {
        Assert.DoesNotContain(Bundle.Files.Keys, f => Path.GetFileName(f).StartsWith("simulated-macos", StringComparison.Ordinal));
        Assert.DoesNotContain(Bundle.Files.Keys, f => Path.GetFileName(f).StartsWith("Appliance.SimulatedMacOS", StringComparison.Ordinal));
    }

    [Fact]
    public void The_manifest_names_every_file_with_its_sha256()
    {
        var listed = File.ReadAllLines(Path.Combine(Folder, BuiltBundle.Manifest))
            .Select(l => (Sha: l[..64], Path: l[66..])).ToDictionary(e => e.Path, e => e.Sha, StringComparer.Ordinal);
        var present = Directory.GetFiles(Folder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Folder, f)).Where(f => f != BuiltBundle.Manifest).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(present, listed.Keys.Order(StringComparer.Ordinal));
        Assert.All(present, f =>
        {
            using var stream = File.OpenRead(Path.Combine(Folder, f));
            Assert.True(Convert.ToHexStringLower(SHA256.HashData(stream)) == listed[f], $"{f} does not match its manifest line");
        });
    }

    /// <summary>Each library's install name (LC_ID_DYLIB): "FILE:" then the name on the next line, unindented.</summary>
    private async Task<Dictionary<string, string>> DylibIdsAsync(IEnumerable<string> native)
    {
        var result = await new LocalCommandRunner().RunAsync(Command.Of("llvm-objdump", ["--macho", "--dylib-id", .. native.Select(f => Path.Combine(Folder, f))])
            .WithTimeout(TimeSpan.FromMinutes(2)));
        Assert.True(result.Succeeded, result.StandardError);
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        string? file = null;
        foreach (var line in result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.EndsWith(':') && File.Exists(line[..^1])) file = line[..^1];
            else if (file is not null) { ids[file] = line.Trim(); file = null; }
        }
        return ids;
    }

    /// <summary>`llvm-objdump --macho --dylibs-used` prints "FILE:" then one indented "NAME (compatibility version …)" line per library.</summary>
    private static Dictionary<string, List<string>> DylibsUsed(string output)
    {
        var used = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        List<string>? current = null;
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!char.IsWhiteSpace(line[0]) && line.EndsWith(':')) used[line[..^1]] = current = [];
            else if (current is not null) current.Add(line.Trim().Split(" (compatibility version", 2)[0]);
        }
        return used;
    }

    private bool Resolves(string file, string dylib)
    {
        var here = Path.GetDirectoryName(file)!;
        if (dylib.StartsWith("@rpath/", StringComparison.Ordinal) || dylib.StartsWith("@loader_path/", StringComparison.Ordinal))
        {
            var name = dylib[(dylib.IndexOf('/') + 1)..];
            return File.Exists(Path.Combine(here, name)) || Bundle.Files.Keys.Any(f => Path.GetFileName(f) == Path.GetFileName(name));
        }
        if (dylib.StartsWith("@executable_path/", StringComparison.Ordinal)) return File.Exists(Path.Combine(Folder, dylib["@executable_path/".Length..]));
        return dylib.StartsWith("/usr/lib/", StringComparison.Ordinal) || dylib.StartsWith("/System/Library/Frameworks/", StringComparison.Ordinal);
    }
}
