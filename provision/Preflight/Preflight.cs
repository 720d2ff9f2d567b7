using System.Globalization;
using Appliance.Config;
using Appliance.Exec;
using Appliance.Provision.Controls;
using Appliance.Provision.Desired;
using Appliance.Provision.Sizing;
using Appliance.Provision.Targets;

namespace Appliance.Provision.Preflight;

public enum Severity { Ok, Warning, Error }

/// <summary>One pre-flight finding: what was checked, what was found, and what to do about it.</summary>
public sealed record Finding(string Check, Severity Severity, string Observed, string? Advice = null);

/// <summary>
/// Checks before apply touches anything: macOS version, Apple Silicon, SIP, FileVault, free disk for
/// the models, RAM for models plus KV cache, Tesseract for scans, and whether document sources need Full Disk Access.
/// Errors stop the apply; warnings are shown.
/// </summary>
public static class PreflightChecks
{
    public static async Task<IReadOnlyList<Finding>> RunAsync(ApplianceConfig config, ITarget target, string modelCache, CancellationToken ct)
    {
        var findings = new List<Finding>();
        async Task<string> Out(Command c) => (await target.RunAsync(c, ct)).StandardOutput.Trim();

        var version = await Out(Command.Of(MacTools.SwVers, "-productVersion"));
        var major = int.TryParse(version.Split('.')[0], out var m) ? m : 0;
        findings.Add(major >= 15
            ? new("macOS version", Severity.Ok, version)
            : new("macOS version", Severity.Error, version.Length == 0 ? "unknown" : version, "update to macOS 15 (Sequoia) or later first"));

        var arch = await Out(Command.Of(MacTools.Uname, "-m"));
        findings.Add(arch == "arm64"
            ? new("Apple Silicon", Severity.Ok, arch)
            : new("Apple Silicon", Severity.Error, arch, "the appliance needs an Apple Silicon Mac (Metal inference, unified memory)"));

        var sip = await Out(ControlCatalogue.SipCheck);
        findings.Add(sip.Contains("enabled.", StringComparison.Ordinal)
            ? new("SIP", Severity.Ok, "enabled")
            : new("SIP", Severity.Warning, sip, "re-enable SIP from Recovery (`csrutil enable`); the appliance assumes it"));

        var fv = await Out(ControlCatalogue.FileVaultCheck);
        var fvOn = fv.Contains("On", StringComparison.Ordinal);
        findings.Add(config.System.Filevault switch
        {
            FileVaultExpectation.Required when !fvOn => new("FileVault", Severity.Warning, fv, "turn FileVault on (System Settings → Privacy & Security); after a power cut someone must unlock the disk"),
            FileVaultExpectation.Off when fvOn => new("FileVault", Severity.Warning, fv, "config says off: the box restarts unattended only with FileVault off"),
            _ => new("FileVault", Severity.Ok, fv),
        });

        var models = new[] { config.Models.Chat, config.Models.Embedding, config.Models.Reranker }.OfType<ModelSpec>().ToList();
        var local = models.Select(s => new FileInfo(Path.Combine(modelCache, Path.GetFileName(s.File)))).ToList();
        var modelBytes = local.Where(f => f.Exists).Sum(f => f.Length);
        var df = await Out(Command.Of(MacTools.Df, "-k", "/"));
        var availableKb = df.Split('\n').Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(p => p.Length >= 4).Select(p => long.TryParse(p[3], out var kb) ? kb : -1).FirstOrDefault(-1);
        var needed = modelBytes + (10L << 30);
        findings.Add(availableKb < 0
            ? new("free disk", Severity.Warning, "df output not understood", "check free space by hand: models need " + Gb(needed))
            : availableKb * 1024 >= needed
                ? new("free disk", Severity.Ok, $"{Gb(availableKb * 1024)} free, models need {Gb(modelBytes)} + 10 GB headroom")
                : new("free disk", Severity.Error, $"{Gb(availableKb * 1024)} free, models need {Gb(needed)}", "free disk space or choose smaller models"));
        var missing = local.Where(f => !f.Exists).Select(f => f.Name).ToList();
        if (missing.Count > 0)
            findings.Add(new("model files", Severity.Warning, $"not in {modelCache}: {string.Join(", ", missing)}",
                "run `provision models pull` (or `models import PATH`) before apply, or the model steps fail"));

        var memsize = await Out(Command.Of(MacTools.Sysctl, "-n", "hw.memsize"));
        var ramGb = long.TryParse(memsize, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) ? (int)(bytes >> 30) : 0;
        if (ramGb > 0 && ramGb != config.Machine.MemoryGb)
            findings.Add(new("RAM", Severity.Warning, $"box has {ramGb} GB, config says {config.Machine.MemoryGb} GB", "set machine.memory_gb to the real size: the wired limit is computed from it"));
        var wiredMb = MemoryBudget.WiredLimitMb(config);
        double kvBytes = 0;
        foreach (var spec in models)
            kvBytes += (double)(Catalog.Find(spec.Name)?.KvBytesPerToken ?? 131072) * spec.ContextLength * spec.Parallel;
        // A model not pulled yet still takes its memory on the box: count the catalog's size for it.
        var memoryBytes = models.Zip(local).Sum(p => p.Second.Exists ? p.Second.Length : (long)(Catalog.Find(p.First.Name)?.WeightBytes ?? 0));
        var embedded = local[models.IndexOf(config.Models.Embedding)];
        var embeddingBytes = embedded.Exists ? embedded.Length : (long)(Catalog.Find(config.Models.Embedding.Name)?.WeightBytes ?? 0);
        var weights = $"models {Gb(memoryBytes)} (embedding {config.Models.Embedding.Name} {Gb(embeddingBytes)})";
        var budget = memoryBytes + kvBytes;
        findings.Add(budget <= wiredMb * (double)(1 << 20)
            ? new("RAM for models", Severity.Ok, $"{weights} + KV cache {Gb((long)kvBytes)} ≤ wired limit {wiredMb} MB")
            : new("RAM for models", Severity.Error, $"{weights} + KV cache {Gb((long)kvBytes)} > wired limit {wiredMb} MB",
                "use smaller models, a shorter context_length or fewer parallel sequences (see `provision size`)"));

        if (config.Rag.Ocr.Enabled && config.Rag.Collections.Count > 0)
            findings.Add(await TesseractAsync(config.Rag.Ocr.TesseractProgram(macOS: true), target, ct));

        if (config.Backup.Destination is { } destination)
            findings.Add(await BackupDestinationAsync(destination, target, ct));

        foreach (var collection in config.Rag.Collections)
            foreach (var source in collection.Sources)
                if (NeedsFullDiskAccess(source))
                    findings.Add(new($"Full Disk Access for '{collection.Id}'", Severity.Warning, source,
                        "daemons cannot read this location without Full Disk Access (and may hang instead of failing): grant FDA to the agent in System Settings → Privacy & Security, or move the documents under /Users/Shared or the appliance folder"));
        return findings;
    }

    public const string BackupDestinationCheck = "backup destination";

    /// <summary>The backup volume mounted (the public key is required by the config itself). Apply does not need it: the nightly backup does.</summary>
    private static async Task<Finding> BackupDestinationAsync(string destination, ITarget target, CancellationToken ct)
    {
        var mounted = (await target.RunAsync(Command.Of(MacTools.Stat, "-f", "%N", destination), ct)).Succeeded;
        return mounted
            ? new(BackupDestinationCheck, Severity.Ok, $"{destination} is there")
            : new(BackupDestinationCheck, Severity.Warning, $"{destination} is not mounted: the nightly backup fails (and says so in verify) until it is",
                "plug the backup disk in, or mount the SMB share in Finder (Go → Connect to Server) with its password saved in the System keychain");
    }

    /// <summary>Tesseract at its configured path: without it the box works, but scans are skipped (with that reason).</summary>
    private static async Task<Finding> TesseractAsync(string program, ITarget target, CancellationToken ct)
    {
        const string check = "Tesseract (OCR for scans)";
        CommandResult? result;
        try
        {
            result = await target.RunAsync(Command.Of(program, "--version"), ct);
        }
        catch (CommandException)
        {
            result = null;
        }
        return result is { Succeeded: true }
            ? new(check, Severity.Ok, $"{result.StandardOutput.Split('\n')[0].Trim()} at {program}")
            : new(check, Severity.Warning, $"not installed at {program}: scanned PDFs and images will be skipped with that reason",
                ControlCatalogue.InstallTesseract(program));
    }

    /// <summary>
    /// What apply will need from this machine, checked before its first change: every file a step
    /// copies (models) and the bundle it ships. A missing one would fail apply halfway through.
    /// </summary>
    public static IEnumerable<Finding> Inputs(Apply.Plan plan)
    {
        var steps = plan.Changes.SelectMany(c => c.Steps).ToList();
        var missing = steps.OfType<Apply.CopyFile>().Where(c => !File.Exists(c.LocalPath)).Select(c => $"{c.LocalPath} (for {c.Path})")
            .Concat(steps.OfType<Bundle.ShipBundle>().Where(b => !Directory.Exists(b.LocalBundle)).Select(b => $"{b.LocalBundle} (the agent bundle)"))
            .ToList();
        if (missing.Count > 0)
            yield return new Finding(InputsCheck, Severity.Error, "missing on this machine: " + string.Join(", ", missing),
                "run `provision models pull` (or `provision models import PATH`, or point --models-from at the folder that has them; `provision bundle` for the bundle), then apply again");
    }

    public const string InputsCheck = "files apply needs";

    /// <summary>TCC-protected for daemons: users' Documents/Desktop/Downloads, external and network volumes.</summary>
    public static bool NeedsFullDiskAccess(string path) =>
        path.StartsWith("/Volumes/", StringComparison.Ordinal)
        || (path.StartsWith("/Users/", StringComparison.Ordinal) && !path.StartsWith("/Users/Shared", StringComparison.Ordinal)
            && new[] { "/Documents", "/Desktop", "/Downloads", "/Library/Mobile Documents" }.Any(p => path.Contains(p, StringComparison.Ordinal)));

    private static string Gb(long bytes) => $"{bytes / (double)(1L << 30):0.#} GB";
}
