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
    public virtual string? Advice => null;

    /// <summary>Resources whose changes repair this one too (sshd's effective settings follow from the drop-in).</summary>
    public virtual IReadOnlyList<string> RepairedBy => [];

    public abstract Task<Reading> ReadAsync(LiveBox box, CancellationToken cancellationToken);

    /// <summary>The steps that make every control of this reading pass; empty when it cannot be fixed automatically.</summary>
    public abstract IReadOnlyList<Step> Converge(Reading reading);
}

/// <summary>What a resource found on the box.</summary>
public sealed record Reading(IReadOnlyList<ControlResult> Results, bool Exists)
{
    /// <summary>A readable diff of contents, when a file differs.</summary>
    public string? Diff { get; init; }

    /// <summary>Why apply must not touch this resource (a file the tool does not own).</summary>
    public string? Conflict { get; init; }

    /// <summary>Resource-specific facts the steps need (e.g. the current pf.conf text).</summary>
    public object? Detail { get; init; }

    public bool Passed => Results.All(r => r.Passed);
}

/// <summary>Something the tool created on the box and may later remove.</summary>
public sealed record Owned(string Kind, string Path, string? Sha256 = null, string? Label = null)
{
    public const string FileKind = "file";
    public const string DirectoryKind = "directory";
    public const string JobKind = "launchd-job";

    public string Key => Kind + " " + Path;
}
