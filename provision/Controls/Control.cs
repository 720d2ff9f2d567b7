using Appliance.Audit.Evidence;
using Appliance.Exec;

namespace Appliance.Provision.Controls;

/// <summary>
/// One checkable promise about the box, defined once in <see cref="ControlCatalogue"/> (mSCP's rule
/// files are the model): `verify` runs <see cref="Check"/> and compares with <see cref="Expected"/>,
/// the plan shows <see cref="Fix"/>, the evidence and the audit pack list it with the
/// <see cref="Measures"/> it proves, and the README's control list is generated from the same values.
/// </summary>
/// <param name="Check">the command whose output is observed, exactly as it runs on the box</param>
/// <param name="Fix">what apply does when the check fails, or what a person has to do</param>
/// <param name="Measures">the technical and organisational measures (Art. 32) this control proves</param>
public sealed record Control(string Id, string Title, string Why, Command Check, string Expected, string Fix, IReadOnlyList<MeasureDefinition> Measures)
{
    /// <summary>The read-back shown in verify, the evidence, the pack and the README: the check command itself, never a description.</summary>
    public string ReadBack => Check.ToString();
}

/// <summary>A control checked against the live box at one moment.</summary>
public sealed record ControlResult(Control Control, string Observed, bool Passed, DateTimeOffset CheckedAt)
{
    public string Status => Passed ? "pass" : "FAIL";
}
