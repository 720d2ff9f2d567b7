using Appliance.Exec;
using Appliance.Provision.Controls;
using Appliance.Provision.Desired;
using Appliance.Provision.Resources;
using Appliance.Provision.Targets;

namespace Appliance.Provision.Apply;

public enum ChangeKind { None, Create, Update, Delete, Manual }

/// <summary>What apply would do to one resource, and why.</summary>
public sealed record ResourceChange(string Resource, ChangeKind Kind, IReadOnlyList<ControlResult> Failing, IReadOnlyList<Step> Steps)
{
    public string? Diff { get; init; }
    public string? Conflict { get; init; }
    public string? Advice { get; init; }

    /// <summary>Ownership entries this change adds once its steps succeed, or removes (for deletions).</summary>
    public IReadOnlyList<Owned> Owns { get; init; } = [];
    public IReadOnlyList<Owned> Removes { get; init; } = [];
}

/// <summary>The difference between the box and the config: every control's reading plus the changes.</summary>
public sealed record Plan(IReadOnlyList<ResourceChange> Changes, IReadOnlyList<ControlResult> Results, string Target, bool Simulated)
{
    public IEnumerable<ResourceChange> Pending => Changes.Where(c => c.Kind is ChangeKind.Create or ChangeKind.Update or ChangeKind.Delete);
    public bool HasChanges => Pending.Any();
    public IEnumerable<ResourceChange> Conflicts => Changes.Where(c => c.Conflict is not null);
    public int Count(ChangeKind kind) => Changes.Count(c => c.Kind == kind);
}

/// <summary>Reads the live box once and compares it with the desired state (Terraform's plan, nix-darwin's diff).</summary>
public static class Planner
{
    public static async Task<Plan> PlanAsync(DesiredState desired, ITarget target, StateRecord record, CancellationToken cancellationToken)
    {
        var box = new LiveBox(target, record.OwnedPaths);
        await box.PrefetchStatusAsync(desired.Resources.SelectMany(r => r.PathsToStat), cancellationToken);
        var changes = new List<ResourceChange>();
        var results = new List<ControlResult>();
        // Read-backs are independent: run them together (each may be a process or an ssh round trip).
        var readings = await Task.WhenAll(desired.Resources.Select(r => r.ReadAsync(box, cancellationToken)));
        var changing = desired.Resources.Zip(readings).Where(p => !p.Second.Passed && p.First.Converge(p.Second).Count > 0).Select(p => p.First.Id).ToHashSet();
        foreach (var (resource, reading) in desired.Resources.Zip(readings))
        {
            results.AddRange(reading.Results);
            var failing = reading.Results.Where(r => !r.Passed).ToList();
            var steps = reading.Passed ? [] : resource.Converge(reading);
            var kind = reading.Passed ? ChangeKind.None
                : steps.Count > 0 ? (reading.Exists ? ChangeKind.Update : ChangeKind.Create)
                : resource.Advice is not null && !resource.RepairedBy.Any(changing.Contains) ? ChangeKind.Manual : ChangeKind.None;
            changes.Add(new ResourceChange(resource.Id, kind, failing, steps)
            {
                Diff = kind is ChangeKind.Create or ChangeKind.Update ? reading.Diff : null,
                Conflict = reading.Conflict,
                Advice = resource.Advice,
                Owns = resource.Owns,
            });
        }

        var wanted = desired.Owns.Select(o => o.Key).ToHashSet();
        var removals = record.Owned.Where(o => !wanted.Contains(o.Key))
            .OrderBy(o => o.Kind switch { OwnedKind.LaunchdJob => 0, OwnedKind.File => 1, _ => 2 })
            .ThenByDescending(o => o.Path.Length);
        foreach (var owned in removals)
            changes.Add(new ResourceChange(owned.Key, ChangeKind.Delete, [], Removal(owned)) { Removes = [owned] });

        return new Plan(changes, results, target.Description, target.IsSimulated);
    }

    /// <summary>How to take away something the tool created and the config no longer wants.</summary>
    public static IReadOnlyList<Step> Removal(Owned owned)
    {
        var id = owned.Key;
        return owned.Kind switch
        {
            OwnedKind.LaunchdJob => [.. LaunchDaemon.Unload(owned.Label!, id), new RemovePath(owned.Path, false) { Resource = id }],
            OwnedKind.Directory => [new RemovePath(owned.Path, true) { Resource = id }],
            _ => [new RemovePath(owned.Path, false) { Resource = id }],
        };
    }
}
