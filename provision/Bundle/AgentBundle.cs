using System.Security.Cryptography;
using System.Text;
using Appliance.Exec;

namespace Appliance.Provision.Bundle;

/// <summary>What a built bundle holds: the folder, the agent program and every file's SHA-256.</summary>
public sealed record BuiltBundle(string Folder, string RuntimeId, string AgentProgram, IReadOnlyDictionary<string, string> Files)
{
    public const string Manifest = "MANIFEST.sha256";
}

public sealed class BundleException(string message) : Exception(message);

/// <summary>
/// Builds what the Mac runs, on the machine running provision, so the Mac needs neither .NET nor
/// Node: a self-contained publish of the agent (and of provision, for the nightly verify) for the box's runtime identifier, plus the pinned
/// native llama.cpp libraries fetched by src/Appliance.Llama/native/fetch.sh (npm pack, integrity
/// checked) and checked again here against their SHA256SUMS. Writes MANIFEST.sha256 over it all.
/// </summary>
public sealed class AgentBundle(ICommandRunner runner, string repositoryRoot)
{
    public static string? FindRepository(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Appliance.slnx"))) return dir.FullName;
        return null;
    }

    public async Task<BuiltBundle> BuildAsync(string runtimeId, string output, IProgress<string>? progress, CancellationToken ct)
    {
        var project = Path.Combine(repositoryRoot, "src", "Appliance.Agent", "Appliance.Agent.csproj");
        if (!File.Exists(project)) throw new BundleException($"{project} not found: --repo must name the Appliance source tree");
        output = Path.GetFullPath(output);
        var staging = output + ".partial";
        if (Directory.Exists(staging)) Directory.Delete(staging, true);

        progress?.Report($"publishing the agent for {runtimeId} (self-contained)…");
        var publish = await runner.RunAsync(Command.Of("dotnet", "publish", project, "-c", "Release", "-r", runtimeId, "--self-contained",
            "-o", staging, "--nologo", "-v", "quiet").WithTimeout(TimeSpan.FromMinutes(20)), ct);
        if (!publish.Succeeded)
            throw new BundleException($"dotnet publish for {runtimeId} failed (exit {publish.ExitCode}): {Tail(publish.StandardOutput + publish.StandardError)}");

        // provision itself rides along: the nightly verify LaunchDaemon runs bin/provision on the box.
        // Both programs are self-contained for the same runtime and share one central package set,
        // so their common files are identical and one folder holds both.
        progress?.Report($"publishing provision for {runtimeId} (self-contained, for the nightly verify)…");
        var provision = Path.Combine(repositoryRoot, "provision", "Appliance.Provision.csproj");
        // ApplianceBundle=true leaves out the simulated macOS: a test double has no place on a real box.
        var publishProvision = await runner.RunAsync(Command.Of("dotnet", "publish", provision, "-c", "Release", "-r", runtimeId, "--self-contained",
            "-p:ApplianceBundle=true", "-o", staging, "--nologo", "-v", "quiet").WithTimeout(TimeSpan.FromMinutes(20)), ct);
        if (!publishProvision.Succeeded)
            throw new BundleException($"dotnet publish of provision for {runtimeId} failed (exit {publishProvision.ExitCode}): {Tail(publishProvision.StandardOutput + publishProvision.StandardError)}");

        // What data the published code reads, stated in the bundle: apply refuses code older than the box's data.
        var schema = DataSchema.OfPublishedAgent(staging);
        await schema.WriteAsync(staging, ct);
        progress?.Report($"the agent reads data up to {schema}");

        await PublishVerifiersAsync(staging, progress, ct);

        progress?.Report($"fetching the pinned native llama.cpp libraries for {runtimeId}…");
        var fetch = await runner.RunAsync(Command.Of(Path.Combine(repositoryRoot, "src", "Appliance.Llama", "native", "fetch.sh"), runtimeId)
            .WithTimeout(TimeSpan.FromMinutes(10)), ct);
        if (!fetch.Succeeded) throw new BundleException($"fetch.sh {runtimeId} failed: {Tail(fetch.StandardError + fetch.StandardOutput)}");
        var native = Path.Combine(repositoryRoot, ".cache", "native", runtimeId);
        var problems = CheckSums(native);
        if (problems.Count > 0) throw new BundleException($"native libraries for {runtimeId} fail their check: {string.Join("; ", problems)}");
        var target = Path.Combine(staging, "native", runtimeId);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(native)) File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);

        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(staging, "*", SearchOption.AllDirectories))
        {
            await using var stream = File.OpenRead(file);
            files[Path.GetRelativePath(staging, file).Replace('\\', '/')] = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
        }
        await File.WriteAllTextAsync(Path.Combine(staging, BuiltBundle.Manifest),
            string.Concat(files.Select(f => $"{f.Value}  {f.Key}\n")), Encoding.UTF8, ct);
        if (Directory.Exists(output)) Directory.Delete(output, true);
        Directory.Move(staging, output);
        var program = runtimeId.StartsWith("win", StringComparison.Ordinal) ? "appliance.exe" : "appliance";
        return new BuiltBundle(output, runtimeId, Path.Combine(output, program), files);
    }

    /// <summary>The platforms the DPO's verifier is built for: the office PCs (Windows) and Macs.</summary>
    public static readonly IReadOnlyList<string> VerifierRuntimes = ["win-x64", "osx-arm64"];

    /// <summary>Where a platform's verifier lies in the bundle.</summary>
    public static string VerifierPath(string runtimeId) =>
        $"verifier/{runtimeId}/appliance-audit-verify{(runtimeId.StartsWith("win", StringComparison.Ordinal) ? ".exe" : "")}";

    /// <summary>
    /// `audit verify` as one self-contained file per platform (verifier/RID/…), so a DPO checks a
    /// pack on a Windows PC or a Mac that has neither .NET nor the provision CLI. Only the program
    /// is kept: it needs none of the files published beside it.
    /// </summary>
    private async Task PublishVerifiersAsync(string staging, IProgress<string>? progress, CancellationToken ct)
    {
        var project = Path.Combine(repositoryRoot, "src", "Appliance.AuditVerifier", "Appliance.AuditVerifier.csproj");
        foreach (var runtimeId in VerifierRuntimes)
        {
            progress?.Report($"publishing the audit pack verifier for {runtimeId} (one self-contained file)…");
            var output = Path.Combine(staging + ".verifier", runtimeId);
            var publish = await runner.RunAsync(Command.Of("dotnet", "publish", project, "-c", "Release", "-r", runtimeId, "--self-contained",
                "-p:PublishSingleFile=true", "-p:DebugType=none", "-o", output, "--nologo", "-v", "quiet").WithTimeout(TimeSpan.FromMinutes(20)), ct);
            if (!publish.Succeeded)
                throw new BundleException($"dotnet publish of the audit verifier for {runtimeId} failed (exit {publish.ExitCode}): {Tail(publish.StandardOutput + publish.StandardError)}");
            var target = Path.Combine(staging, VerifierPath(runtimeId));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Path.Combine(output, Path.GetFileName(target)), target, overwrite: true);
        }
        Directory.Delete(staging + ".verifier", recursive: true);
    }

    private static List<string> CheckSums(string folder)
    {
        var sums = Path.Combine(folder, "SHA256SUMS");
        if (!File.Exists(sums)) return [$"{sums} is missing"];
        var problems = new List<string>();
        foreach (var line in File.ReadAllLines(sums).Where(l => l.Length > 66))
        {
            var file = Path.Combine(folder, line[66..]);
            if (!File.Exists(file)) { problems.Add(line[66..] + " is missing"); continue; }
            using var stream = File.OpenRead(file);
            if (Convert.ToHexStringLower(SHA256.HashData(stream)) != line[..64]) problems.Add(line[66..] + " has another SHA-256");
        }
        return problems;
    }

    private static string Tail(string text) => text.Length <= 600 ? text.Trim() : "…" + text[^600..].Trim();
}
