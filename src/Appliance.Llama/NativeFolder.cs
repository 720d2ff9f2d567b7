using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Appliance.Llama;

/// <summary>
/// The folder that holds one pinned native llama.cpp build, as `fetch.sh` unpacked it: the
/// libraries, a SHA256SUMS list written from the verified tarball, and the tarball's integrity.
/// </summary>
public sealed record NativeFolder(string Path, NativePin Pin)
{
    public string LlamaLibrary => System.IO.Path.Combine(Path, Pin.IsMetal ? "libllama.metal.v0.4.0.dylib" : "libllama.v0.4.0.so");
    public string GgmlLibrary => System.IO.Path.Combine(Path, Pin.IsMetal ? "libggml.metal.v0.4.0.dylib" : "libggml.v0.4.0.so");
    public string GgmlBaseLibrary => System.IO.Path.Combine(Path, Pin.IsMetal ? "libggml-base.dylib" : "libggml-base.so");

    /// <summary>
    /// Finds the build for this machine: $APPLIANCE_NATIVE_DIR, a `native` folder beside the program
    /// (the shipped bundle), or `.cache/native/&lt;rid&gt;` in the source tree the program runs from.
    /// </summary>
    public static NativeFolder Locate()
    {
        var pin = NativePin.ForThisMachine();
        if (Environment.GetEnvironmentVariable("APPLIANCE_NATIVE_DIR") is { Length: > 0 } overridden)
            return new NativeFolder(System.IO.Path.GetFullPath(overridden), pin);
        var beside = System.IO.Path.Combine(AppContext.BaseDirectory, "native", pin.RuntimeId);
        if (Directory.Exists(beside)) return new NativeFolder(beside, pin);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, ".cache", "native", pin.RuntimeId);
            if (Directory.Exists(candidate)) return new NativeFolder(candidate, pin);
        }
        throw new NativeLibraryMissingException(
            $"the native llama.cpp libraries for {pin.RuntimeId} were not found (looked in $APPLIANCE_NATIVE_DIR, " +
            $"{beside} and .cache/native/{pin.RuntimeId} above {AppContext.BaseDirectory}); run `make setup`");
    }

    /// <summary>Checks the folder against its pin; returns what is wrong, or nothing.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!Directory.Exists(Path)) return [$"folder {Path} does not exist (run `make setup`)"];

        var stamp = System.IO.Path.Combine(Path, ".integrity");
        var installed = File.Exists(stamp) ? File.ReadAllText(stamp).Trim() : null;
        if (installed != Pin.Integrity)
            problems.Add($"installed from a tarball with integrity {installed ?? "(unknown)"}, pinned {Pin.Integrity} (run `make setup`)");

        var sums = System.IO.Path.Combine(Path, "SHA256SUMS");
        if (!File.Exists(sums)) return [.. problems, "SHA256SUMS is missing (run `make setup`)"];
        foreach (var line in File.ReadAllLines(sums).Where(l => l.Length > 66))
        {
            var expected = line[..64];
            var file = System.IO.Path.Combine(Path, line[66..]);
            if (!File.Exists(file)) { problems.Add($"{line[66..]} is missing"); continue; }
            using var stream = File.OpenRead(file);
            var actual = Convert.ToHexStringLower(SHA256.HashData(stream));
            if (actual != expected) problems.Add($"{line[66..]} has SHA-256 {actual}, expected {expected}");
        }
        foreach (var required in new[] { LlamaLibrary, GgmlLibrary, GgmlBaseLibrary })
            if (!File.Exists(required)) problems.Add($"{System.IO.Path.GetFileName(required)} is missing");
        return problems;
    }
}

/// <summary>One line of native/pins.txt: which npm package supplies the libraries for a runtime.</summary>
public sealed record NativePin(string RuntimeId, string Package, string Version, string Integrity, string Folder)
{
    public bool IsMetal => RuntimeId.StartsWith("osx", StringComparison.Ordinal);

    public static IReadOnlyList<NativePin> All()
    {
        var file = System.IO.Path.Combine(AppContext.BaseDirectory, "native", "pins.txt");
        return [.. File.ReadAllLines(file)
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
            .Select(f => new NativePin(f[0], f[1], f[2], f[3], f[4]))];
    }

    public static NativePin ForRuntime(string runtimeId) =>
        All().FirstOrDefault(p => p.RuntimeId == runtimeId)
        ?? throw new NativeLibraryMissingException($"no native llama.cpp build is pinned for {runtimeId}");

    public static NativePin ForThisMachine() => ForRuntime(
        (OperatingSystem.IsMacOS(), RuntimeInformation.ProcessArchitecture) switch
        {
            (true, Architecture.Arm64) => "osx-arm64",
            (false, Architecture.X64) when OperatingSystem.IsLinux() => "linux-x64",
            _ => $"{RuntimeInformation.OSDescription}-{RuntimeInformation.ProcessArchitecture}",
        });
}

public sealed class NativeLibraryMissingException(string message) : Exception(message);
