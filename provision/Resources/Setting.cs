using Appliance.Exec;
using Appliance.Provision.Apply;
using Appliance.Provision.Controls;

namespace Appliance.Provision.Resources;

/// <summary>
/// A setting read back with its control's check command: the observed value is parsed from its result
/// and compared with the control's expected value. Without fix steps the control is checked but never
/// changed by apply (SIP, FileVault): the plan shows the advice instead. Defined in ControlCatalogue.
/// </summary>
public sealed class Setting(Control control, Func<CommandResult, string> observe, IReadOnlyList<Step> fix)
    : Resource
{
    public Control Control { get; } = control;

    /// <summary>When observed and expected are not compared by equality (pressure levels, thresholds).</summary>
    public Func<string, bool>? Passes { get; init; }

    public bool CanFix => fix.Count > 0;

    public override string Id => Control.Id;
    public override IReadOnlyList<Control> Controls => [Control];

    public override async Task<Reading> ReadAsync(LiveBox box, CancellationToken cancellationToken)
    {
        var result = await box.RunAsync(Control.Check, cancellationToken);
        var observed = observe(result);
        var passed = Passes?.Invoke(observed) ?? observed == Control.Expected;
        return new Reading([new ControlResult(Control, observed, passed, DateTimeOffset.UtcNow)], Exists: result.Succeeded);
    }

    public override IReadOnlyList<Step> Converge(Reading reading) =>
        reading.Passed ? [] : [.. fix.Select(f => f with { Resource = Id })];
}
