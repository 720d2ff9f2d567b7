using System.Text;
using Appliance.Provision.Apply;
using Appliance.Provision.Controls;

namespace Appliance.Provision.Resources;

/// <summary>A generated file the tool owns: exact content, owner, group and mode.</summary>
public sealed class ManagedFile(ControlSpec spec, string path, byte[] content, string owner, string group, UnixFileMode mode)
    : Resource<ManagedFile.FileFacts?>
{
    public string Path { get; } = path;

    /// <summary>Key material: plans never show its content.</summary>
    public bool Secret { get; init; }
    public byte[] Content { get; } = content;
    public string Sha256 { get; } = LiveBox.Sha256Of(content);
    public string Owner { get; } = owner;
    public string Group { get; } = group;
    public UnixFileMode Mode { get; } = mode;

    public Control Control { get; } = ControlCatalogue.File(spec, path, LiveBox.Sha256Of(content), owner, group, mode);

    public override string Id => "file " + Path;
    public override IReadOnlyList<Control> Controls => [Control];
    public override IEnumerable<string> PathsToStat => [Path];
    public override IReadOnlyList<Owned> Owns => [new(OwnedKind.File, Path, Sha256)];

    public override async Task<Reading<FileFacts?>> ReadFactsAsync(LiveBox box, CancellationToken cancellationToken)
    {
        var status = await box.StatusAsync(Path, cancellationToken);
        var current = status is null ? null : await box.ReadFileAsync(Path, cancellationToken);
        var now = DateTimeOffset.UtcNow;
        if (status is null || current is null)
            return new Reading<FileFacts?>([new ControlResult(Control, "absent", false, now)], Exists: false, null) { Diff = Secret ? SecretDiff : LineDiff.Of("", Text(Content)) };
        var hash = LiveBox.Sha256Of(current);
        var observed = $"{status} sha256:{hash[..16]}";
        var sameContent = hash == Sha256;
        return new Reading<FileFacts?>([new ControlResult(Control, observed, observed == Control.Expected, now)], Exists: true, new FileFacts(status, sameContent))
        {
            Diff = sameContent ? null : Secret ? SecretDiff : LineDiff.Of(Text(current), Text(Content)),
            Conflict = sameContent || box.Owns(Path) ? null
                : $"{Path} exists but was not written by provision (sha256 {hash[..16]}…). Move it away (or back it up as {Path}.before-appliance) and apply again.",
        };
    }

    public override IReadOnlyList<Step> Converge(Reading<FileFacts?> reading)
    {
        if (reading.Passed) return [];
        if (reading.Facts is { SameContent: true })
            return [new SetOwnership(Path, Owner, Group, Mode) { Resource = Id }];
        return [new WriteFile(Path, Content, Owner, Group, Mode) { Resource = Id }];
    }

    private const string SecretDiff = "(secret: content not shown)\n";

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    /// <summary>What the reading learnt about the file on the box.</summary>
    public sealed record FileFacts(PathStatus Status, bool SameContent);
}
