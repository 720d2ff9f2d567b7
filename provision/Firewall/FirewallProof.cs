using System.Net;
using Appliance.Config;
using Appliance.Provision.Apply;
using Appliance.Provision.Controls;
using Appliance.Provision.Resources;

namespace Appliance.Provision.Firewall;

/// <summary>The matrix as controls: each flow checked against the rules pf holds in the appliance anchor.</summary>
public sealed class FirewallProof(string anchorName, IReadOnlyList<FlowCase> cases) : Resource
{
    private readonly IReadOnlyList<Control> controls = [.. cases.Select(c => ControlCatalogue.Flow(c, anchorName))];

    public override string Id => "firewall proof";
    public override IReadOnlyList<Control> Controls => controls;

    public override async Task<Reading> ReadAsync(LiveBox box, CancellationToken cancellationToken)
    {
        var result = await box.RunAsync(controls.Count > 0 ? controls[0].Check : PfRulesLoaded.Show(anchorName), cancellationToken);
        IReadOnlyList<PfRule>? rules;
        try { rules = PfParser.Parse(result.StandardOutput); }
        catch (FormatException) { rules = null; }
        var now = DateTimeOffset.UtcNow;
        var results = cases.Zip(controls, (c, control) =>
        {
            if (rules is null || rules.Count == 0) return new ControlResult(control, "no appliance rules loaded", false, now);
            var verdict = PfEvaluator.Evaluate(rules, c.Packet);
            var observed = verdict.Passes ? "pass" : "block";
            return new ControlResult(control, observed, observed == control.Expected, now);
        }).ToList();
        return new Reading(results, true);
    }

    /// <summary>Repaired by reloading the rules (the pf.rules control); nothing to do here on its own.</summary>
    public override IReadOnlyList<Step> Converge(Reading reading) => [];
}
