namespace Appliance.Provision.Firewall;

/// <summary>The verdict for one packet and the rule that decided it (null: no rule matched, pf passes).</summary>
public sealed record PfVerdict(PfAction Action, PfRule? Rule)
{
    public bool Passes => Action == PfAction.Pass;
}

/// <summary>
/// pf's decision procedure: rules are evaluated in order, the last matching rule wins unless a
/// matching rule is `quick`, which wins at once; when nothing matches the packet passes.
/// </summary>
public static class PfEvaluator
{
    public static PfVerdict Evaluate(IReadOnlyList<PfRule> rules, Packet packet)
    {
        PfRule? last = null;
        foreach (var rule in rules)
        {
            if (!rule.Matches(packet)) continue;
            if (rule.Quick) return new PfVerdict(rule.Action, rule);
            last = rule;
        }
        return new PfVerdict(last?.Action ?? PfAction.Pass, last);
    }
}
