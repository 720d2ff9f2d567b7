using System.Formats.Tar;
using System.IO.Compression;
using Appliance.Exec;
using Appliance.Provision.Apply;
using Appliance.Provision.Controls;
using Appliance.Provision.Resources;
using Appliance.Provision.Targets;

namespace Appliance.Provision.Bundle;

/// <summary>
/// The agent bundle (see <see cref="AgentBundle"/>) installed in the appliance's bin folder. The
/// bundle's MANIFEST.sha256 names every file with its hash, so the manifest's own hash identifies
/// the whole install. Shipped as one archive and unpacked on the box with tar.
/// </summary>
public sealed class AgentProgram(string localBundle, string binFolder) : Resource
{
    private readonly string manifestSha = LiveBox.Sha256Of(File.ReadAllBytes(Path.Combine(localBundle, BuiltBundle.Manifest)));

    private Control Control => ControlCatalogue.AgentBundle($"{binFolder}/{BuiltBundle.Manifest}", manifestSha);

    public override string Id => "agent bundle " + binFolder;
    public override IReadOnlyList<Control> Controls => [Control];

    public override async Task<Reading> ReadAsync(LiveBox box, CancellationToken cancellationToken)
    {
        var sum = await box.RunAsync(Control.Check, cancellationToken);
        var hash = sum.Succeeded ? sum.StandardOutput.Split(' ')[0] : "";
        var observed = hash.Length >= 16 ? $"manifest sha256:{hash[..16]}" : "not installed";
        return new Reading([new ControlResult(Control, observed, observed == Control.Expected, DateTimeOffset.UtcNow)], sum.Succeeded);
    }

    public override IReadOnlyList<Step> Converge(Reading reading) =>
        reading.Passed ? [] : [new ShipBundle(localBundle, binFolder) { Resource = Id }];

    /// <summary>The bundle as one gzip'd tar, written to a temporary file on this machine.</summary>
    public static async Task<string> ArchiveAsync(string bundle, CancellationToken ct)
    {
        var archive = Path.Combine(Path.GetTempPath(), $"appliance-bundle-{Guid.NewGuid():n}.tar.gz");
        await using var file = File.Create(archive);
        await using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        await TarFile.CreateFromDirectoryAsync(bundle, gzip, includeBaseDirectory: false, ct);
        return archive;
    }
}

/// <summary>Copy the bundle archive to the box, unpack it into the bin folder, make it root's.</summary>
public sealed record ShipBundle(string LocalBundle, string BinFolder) : OwnStep
{
    public override string Describe() => $"unpack the agent bundle {LocalBundle} into {BinFolder} (root:wheel)";

    public override async Task<string?> RunAsync(ITarget target, CancellationToken cancellationToken)
    {
        var archive = await AgentProgram.ArchiveAsync(LocalBundle, cancellationToken);
        try
        {
            var remote = BinFolder.TrimEnd('/') + ".bundle.tar.gz";
            await target.CopyFileAsync(archive, remote, cancellationToken);
            return StepRunner.Failure(await target.RunAsync(Command.Of(MacTools.Tar, "-xzf", remote, "-C", BinFolder).WithTimeout(TimeSpan.FromMinutes(20)), cancellationToken))
                   ?? StepRunner.Failure(await target.RunAsync(Command.Of(MacTools.Chown, "-R", "root:wheel", BinFolder), cancellationToken))
                   ?? StepRunner.Failure(await target.RunAsync(Command.Of(MacTools.Rm, "-f", remote), cancellationToken));
        }
        finally
        {
            File.Delete(archive);
        }
    }
}
