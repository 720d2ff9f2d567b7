using Appliance.Exec;
using Appliance.Provision.Apply;
using Appliance.Provision.Controls;
using Appliance.Provision.Targets;

namespace Appliance.Provision.Resources;

/// <summary>A model file on the box, pinned by SHA-256 and shipped from the provisioning machine's model cache.</summary>
public sealed class ModelFile(string role, string name, string path, string sha256, string localCache) : Resource<bool>
{
    private readonly Control control = ControlCatalogue.Model(role, name, path, sha256);

    public string Path { get; } = path;
    public string LocalFile => System.IO.Path.Combine(localCache, System.IO.Path.GetFileName(Path));

    public override string Id => "model " + Path;
    public override IReadOnlyList<Control> Controls => [control];
    public override IEnumerable<string> PathsToStat => [Path];
    public override IReadOnlyList<Owned> Owns => [new(OwnedKind.File, Path, sha256)];

    /// <param name="Facts">whether the file on the box has the pinned content (then only its owner and mode need fixing)</param>
    public override async Task<Reading<bool>> ReadFactsAsync(LiveBox box, CancellationToken cancellationToken)
    {
        var status = await box.StatusAsync(Path, cancellationToken);
        if (status is null) return new Reading<bool>([new ControlResult(control, "absent", false, DateTimeOffset.UtcNow)], false, false);
        var sum = await box.RunAsync(control.Check, cancellationToken);
        var hash = sum.StandardOutput.Split(' ', 2)[0].Trim();
        var observed = $"{status} sha256:{(hash.Length >= 16 ? hash[..16] : "unreadable")}";
        return new Reading<bool>([new ControlResult(control, observed, observed == control.Expected, DateTimeOffset.UtcNow)], true, hash == sha256);
    }

    public override IReadOnlyList<Step> Converge(Reading<bool> reading) =>
        reading.Passed ? []
        : reading.Facts ? [new SetOwnership(Path, "root", "_appliance", Modes.FileGroupReads) { Resource = Id }]
        : [new CopyFile(LocalFile, Path, sha256, "root", "_appliance", Modes.FileGroupReads) { Resource = Id }];
}
