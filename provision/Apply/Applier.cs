using Appliance.Provision.Targets;

namespace Appliance.Provision.Apply;

/// <summary>Who started an apply, for the journal.</summary>
public sealed record Operator(string User, string Host)
{
    public static Operator Current => new(Environment.UserName, Environment.MachineName);
}

/// <summary>The result of an apply: the journal entry it wrote and the record it left on the box.</summary>
public sealed record ApplyOutcome(JournalEntry Journal, StateRecord Record)
{
    public bool Succeeded => Journal.Outcome is ApplyResult.Applied or ApplyResult.NoChanges;
}

/// <summary>
/// Runs a plan's steps in order. Ownership is recorded as each resource converges, so a failure
/// halfway leaves an accurate record and a journal entry, and the next apply picks up from there.
/// A successful apply that changed something becomes a new numbered generation.
/// </summary>
public sealed class Applier(ITarget target, Operator who, TimeProvider clock)
{
    public async Task<ApplyOutcome> ApplyAsync(Plan plan, StateRecord record, string configFile, string configText, string action,
        int? rollbackOf, IProgress<StepResult>? progress, CancellationToken cancellationToken)
    {
        var started = clock.GetUtcNow();
        var runner = new StepRunner(target);
        var results = new List<StepResult>();
        string? error = null;

        if (plan.Conflicts.FirstOrDefault() is { } conflict)
            error = conflict.Conflict;
        else
        {
            foreach (var change in plan.Pending)
            {
                foreach (var step in change.Steps)
                {
                    var result = await runner.RunAsync(step, cancellationToken);
                    results.Add(result);
                    progress?.Report(result);
                    if (!result.Succeeded) { error = $"{change.Resource}: {result.Detail}"; break; }
                }
                if (error is not null) break;
                record = record.WithOwned(change.Owns, change.Removes);
            }
        }

        int? generation = null;
        var outcome = error is not null ? ApplyResult.Failed : plan.HasChanges || rollbackOf is not null ? ApplyResult.Applied : ApplyResult.NoChanges;
        if (outcome == ApplyResult.Applied)
        {
            generation = (record.Current?.Number ?? 0) + 1;
            record = record with
            {
                Generations = [.. record.Generations, new Generation(generation.Value, clock.GetUtcNow(), $"{who.User}@{who.Host}", configFile, configText, record.Owned, rollbackOf)],
            };
        }
        if (outcome != ApplyResult.NoChanges) await record.SaveAsync(target, cancellationToken);
        var entry = new JournalEntry(action, who.User, who.Host, target.Description, started, clock.GetUtcNow(), outcome, generation, error, results);
        await Journal.AppendAsync(target, entry, cancellationToken);
        return new ApplyOutcome(entry, record);
    }
}
