using System.Text.Json.Serialization;
using Appliance.Provision.Apply;
using Appliance.Provision.Controls;

namespace Appliance.Provision.Resources;

/// <summary>
/// One piece of desired state: how to read it back from the live box, the controls it promises,
/// and the steps that make a failing reading pass.
/// </summary>
public abstract class Resource
{
    /// <summary>Stable name in plans and the journal, e.g. "file /etc/pf.anchors/com.appliance".</summary>
    public abstract string Id { get; }
    public abstract IReadOnlyList<Control> Controls { get; }

    /// <summary>Paths whose owner and mode this resource reads (fetched for all resources in one call).</summary>
    public virtual IEnumerable<string> PathsToStat => [];

    /// <summary>What the tool owns once this resource is applied (for removal and generations).</summary>
    public virtual IReadOnlyList<Owned> Owns => [];

    /// <summary>For controls apply cannot fix (SIP, FileVault): what a person has to do. Shown in plan and verify.</summary>
    public string? Advice { get; init; }

    /// <summary>Resources whose changes repair this one too (sshd's effective settings follow from the drop-in).</summary>
    public IReadOnlyList<string> RepairedBy { get; init; } = [];

    public abstract Task<Reading> ReadAsync(LiveBox box, CancellationToken cancellationToken);

    /// <summary>The steps that make every control of this reading pass; empty when it cannot be fixed automatically.</summary>
    public abstract IReadOnlyList<Step> Converge(Reading reading);
}

/// <summary>
/// A resource that keeps what its reading learnt (<typeparamref name="TFacts"/>) for the steps that
/// converge it: the facts travel typed from <see cref="ReadFactsAsync"/> to <see cref="Converge(Reading{TFacts})"/>.
/// </summary>
public abstract class Resource<TFacts> : Resource
{
    public sealed override async Task<Reading> ReadAsync(LiveBox box, CancellationToken cancellationToken) =>
        await ReadFactsAsync(box, cancellationToken);

    public abstract Task<Reading<TFacts>> ReadFactsAsync(LiveBox box, CancellationToken cancellationToken);

    /// <summary>A reading is only ever converged by the resource that made it, so it holds this resource's facts.</summary>
    public sealed override IReadOnlyList<Step> Converge(Reading reading) => Converge((Reading<TFacts>)reading);

    public abstract IReadOnlyList<Step> Converge(Reading<TFacts> reading);
}

/// <summary>What a resource found on the box.</summary>
public record Reading(IReadOnlyList<ControlResult> Results, bool Exists)
{
    /// <summary>A readable diff of contents, when a file differs.</summary>
    public string? Diff { get; init; }

    /// <summary>Why apply must not touch this resource (a file the tool does not own).</summary>
    public string? Conflict { get; init; }

    public bool Passed => Results.All(r => r.Passed);
}

/// <summary>A reading with the facts its resource's steps need (e.g. the current pf.conf text).</summary>
public sealed record Reading<TFacts>(IReadOnlyList<ControlResult> Results, bool Exists, TFacts Facts) : Reading(Results, Exists);

/// <summary>Something the tool created on the box and may later remove.</summary>
public sealed record Owned(OwnedKind Kind, string Path, string? Sha256 = null, string? Label = null)
{
    /// <summary>How plans, the journal and the state record name it, e.g. "launchd-job /Library/LaunchDaemons/…".</summary>
    public string Key => Kind switch { OwnedKind.File => "file", OwnedKind.Directory => "directory", _ => "launchd-job" } + " " + Path;
}

/// <summary>What kind of thing the tool owns on the box; the state record stores the names shown.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OwnedKind>))]
public enum OwnedKind
{
    [JsonStringEnumMemberName("file")] File,
    [JsonStringEnumMemberName("directory")] Directory,
    [JsonStringEnumMemberName("launchd-job")] LaunchdJob,
}
