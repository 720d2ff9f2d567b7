using Appliance.Exec;
using Appliance.Provision.Apply;
using Appliance.Provision.Controls;
using Appliance.Provision.Targets;

namespace Appliance.Provision.Resources;

/// <summary>A model file on the box, pinned by SHA-256 and shipped from the provisioning machine's model cache.</summary>
public sealed class ModelFile(string role, string name, string path, string sha256, string localCache) : Resource
{
    private readonly Control control = ControlCatalogue.Model(role, name, path, sha256);

    public string Path { get; } = path;
    public string LocalFile => System.IO.Path.Combine(localCache, System.IO.Path.GetFileName(Path));

    public override string Id => "model " + Path;
    public override IReadOnlyList<Control> Controls => [control];
    public override IEnumerable<string> PathsToStat => [Path];
    public override IReadOnlyList<Owned> Owns => [new(Owned.FileKind, Path, sha256)];

    public override async Task<Reading> ReadAsync(LiveBox box, CancellationToken cancellationToken)
    {
        var status = await box.StatusAsync(Path, cancellationToken);
        if (status is null) return new Reading([new ControlResult(control, "absent", false, DateTimeOffset.UtcNow)], false);
        var sum = await box.RunAsync(control.Check, cancellationToken);
        var hash = sum.StandardOutput.Split(' ', 2)[0].Trim();
        var observed = $"{status} sha256:{(hash.Length >= 16 ? hash[..16] : "unreadable")}";
        return new Reading([new ControlResult(control, observed, observed == control.Expected, DateTimeOffset.UtcNow)], true)
        {
            Detail = hash == sha256,
        };
    }

    public override IReadOnlyList<Step> Converge(Reading reading) =>
        reading.Passed ? []
        : reading.Detail is true ? [new SetOwnership(Path, "root", "_appliance", Modes.FileGroupReads) { Resource = Id }]
        : [new CopyFile(LocalFile, Path, sha256, "root", "_appliance", Modes.FileGroupReads) { Resource = Id }];
}
