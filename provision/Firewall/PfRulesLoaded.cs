using System.Text;
using Appliance.Exec;
using Appliance.Provision.Apply;
using Appliance.Provision.Controls;
using Appliance.Provision.Resources;
using Appliance.Provision.Targets;

namespace Appliance.Provision.Firewall;

/// <summary>The anchor's rules as the kernel holds them (pfctl -a … -sr), compared rule by rule with the file.</summary>
public sealed class PfRulesLoaded(string anchorName, IReadOnlyList<PfRule> expected) : Resource
{
    private readonly Control control = ControlCatalogue.PfRules(anchorName, expected.Count);

    public override string Id => "pf rules";
    public override IReadOnlyList<Control> Controls => [control];

    public static Command Show(string anchorName) => Command.Of(MacTools.Pfctl, "-a", anchorName, "-sr");

    public override async Task<Reading> ReadAsync(LiveBox box, CancellationToken cancellationToken)
    {
        var result = await box.RunAsync(control.Check, cancellationToken);
        string observed;
        try
        {
            var live = PfParser.Parse(result.StandardOutput).Select(r => r.ToString()).ToList();
            var want = expected.Select(r => r.ToString()).ToList();
            observed = live.Count == 0 ? "no rules loaded"
                : live.SequenceEqual(want) ? control.Expected
                : $"{live.Count} rules loaded, {want.Except(live).Count()} missing, {live.Except(want).Count()} unexpected";
        }
        catch (FormatException e)
        {
            observed = "unreadable: " + e.Message;
        }
        return new Reading([new ControlResult(control, observed, observed == control.Expected, DateTimeOffset.UtcNow)], result.Succeeded);
    }

    public override IReadOnlyList<Step> Converge(Reading reading) => reading.Passed ? [] : [.. Reload(Id)];

    /// <summary>Syntax-check, load, then drop existing states: open connections would bypass the new rules.</summary>
    public static IEnumerable<Step> Reload(string resource) =>
    [
        new RunCommand(Command.Of(MacTools.Pfctl, "-vnf", "/etc/pf.conf")) { Resource = resource },
        new RunCommand(Command.Of(MacTools.Pfctl, "-f", "/etc/pf.conf")) { Resource = resource },
        new RunCommand(Command.Of(MacTools.Pfctl, "-F", "states")) { Resource = resource },
    ];
}
