using Appliance.Provision.Apply;
using Appliance.Provision.Controls;

namespace Appliance.Provision.Resources;

/// <summary>A folder the tool creates, with owner, group and mode.</summary>
public sealed class ManagedDirectory(ControlSpec spec, string path, string owner, string group, UnixFileMode mode) : Resource
{
    public string Path { get; } = path;

    private readonly Control control = ControlCatalogue.Folder(spec, path, owner, group, mode);

    public override string Id => "folder " + Path;
    public override IReadOnlyList<Control> Controls => [control];
    public override IEnumerable<string> PathsToStat => [Path];
    public override IReadOnlyList<Owned> Owns => [new(OwnedKind.Directory, Path)];

    public override async Task<Reading> ReadAsync(LiveBox box, CancellationToken cancellationToken)
    {
        var status = await box.StatusAsync(Path, cancellationToken);
        var observed = status is null ? "absent" : status.IsDirectory ? status.ToString() : "a file, not a folder";
        return new Reading([new ControlResult(control, observed, observed == control.Expected, DateTimeOffset.UtcNow)], status is not null);
    }

    public override IReadOnlyList<Step> Converge(Reading reading) =>
        reading.Passed ? []
        : reading.Exists ? [new SetOwnership(Path, owner, group, mode) { Resource = Id }]
        : [new MakeDirectory(Path, owner, group, mode) { Resource = Id }];
}
