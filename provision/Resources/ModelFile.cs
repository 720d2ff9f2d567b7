using Appliance.Exec;
using Appliance.Provision.Apply;
using Appliance.Provision.Controls;
using Appliance.Provision.Targets;

namespace Appliance.Provision.Resources;

/// <summary>A model file on the box, pinned by SHA-256 and shipped from the provisioning machine's model cache.</summary>
public sealed class ModelFile(string role, string name, string path, string sha256, string localCache) : Resource
{
    private readonly Control control = new($"model.{role}", $"{role} model {name}: file present with pinned SHA-256",
        "the agent must load exactly the weights the config pins; anything else is refused",
        $"shasum -a 256 {path}; stat -f '%Su:%Sg %Lp' {path}", $"root:_appliance 640 sha256:{sha256[..16]}");

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
        var sum = await box.RunAsync(Command.Of(MacTools.Shasum, "-a", "256", Path).WithTimeout(TimeSpan.FromHours(1)), cancellationToken);
        var hash = sum.StandardOutput.Split(' ', 2)[0].Trim();
        var observed = $"{status} sha256:{(hash.Length >= 16 ? hash[..16] : "unreadable")}";
        return new Reading([new ControlResult(control, observed, observed == control.Expected, DateTimeOffset.UtcNow)], true)
        {
            Detail = hash == sha256,
        };
    }

    public override IReadOnlyList<Step> Converge(Reading reading) =>
        reading.Passed ? []
        : reading.Detail is true ? [new SetOwnership(Path, "root", "_appliance", 0x1A0) { Resource = Id }]
        : [new CopyFile(LocalFile, Path, sha256, "root", "_appliance", 0x1A0) { Resource = Id }];
}
