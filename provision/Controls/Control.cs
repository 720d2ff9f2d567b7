namespace Appliance.Provision.Controls;

/// <summary>
/// One checkable promise about the box, defined once: `verify` checks it, the plan shows it, the
/// audit pack's evidence table lists it. ReadBack is the command (or file) whose output is observed.
/// </summary>
public sealed record Control(string Id, string Title, string Why, string ReadBack, string Expected);

/// <summary>A control checked against the live box at one moment.</summary>
public sealed record ControlResult(Control Control, string Observed, bool Passed, DateTimeOffset CheckedAt)
{
    public string Status => Passed ? "pass" : "FAIL";
}
