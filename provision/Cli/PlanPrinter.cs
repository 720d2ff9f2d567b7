using System.Text.Json;
using Appliance.Provision.Apply;
using Appliance.Provision.Controls;
using Appliance.Provision.Preflight;

namespace Appliance.Provision.Cli;

/// <summary>Terraform-style text for plans, findings and verify results.</summary>
internal static class PlanPrinter
{
    public static void Print(Plan plan, Terminal terminal)
    {
        foreach (var change in plan.Changes.Where(c => c.Kind != ChangeKind.None || c.Conflict is not null))
        {
            var (mark, style, verb) = change.Kind switch
            {
                ChangeKind.Create => ("+", "green", "create"),
                ChangeKind.Update => ("~", "yellow", "update"),
                ChangeKind.Delete => ("-", "red", "delete (no longer in the config)"),
                _ => ("!", "magenta", "needs a person"),
            };
            terminal.Line($"  {mark} {change.Resource}  ({verb})", style);
            if (change.Conflict is not null) terminal.Line($"      REFUSED: {change.Conflict}", "red");
            foreach (var failing in change.Failing)
                terminal.Line($"      {failing.Control.Id}: {failing.Observed} → {failing.Control.Expected}");
            if (change.Diff is not null)
                foreach (var line in change.Diff.TrimEnd('\n').Split('\n'))
                    terminal.Line("        " + line, line.StartsWith('+') ? "green" : line.StartsWith('-') ? "red" : null);
            if (change.Kind == ChangeKind.Manual && change.Advice is not null) terminal.Line($"      what to do: {change.Advice}");
            foreach (var step in change.Steps) terminal.Line($"      · {step.Describe()}", "grey");
        }
        var summary = $"Plan: {plan.Count(ChangeKind.Create)} to create, {plan.Count(ChangeKind.Update)} to update, {plan.Count(ChangeKind.Delete)} to delete" +
                      (plan.Count(ChangeKind.Manual) > 0 ? $"; {plan.Count(ChangeKind.Manual)} need a person" : "") + ".";
        terminal.Line(plan.HasChanges ? summary : "No changes. The box matches the config." + (plan.Count(ChangeKind.Manual) > 0 ? $" ({plan.Count(ChangeKind.Manual)} need a person)" : ""), "bold");
    }

    public static string Json(Plan plan) => JsonSerializer.Serialize(new
    {
        target = plan.Target,
        simulated = plan.Simulated,
        changes_pending = plan.HasChanges,
        changes = plan.Changes.Where(c => c.Kind != ChangeKind.None || c.Conflict is not null).Select(c => new
        {
            resource = c.Resource,
            kind = c.Kind.ToString().ToLowerInvariant(),
            conflict = c.Conflict,
            failing = c.Failing.Select(f => new { id = f.Control.Id, expected = f.Control.Expected, observed = f.Observed }),
            diff = c.Diff,
            advice = c.Kind == ChangeKind.Manual ? c.Advice : null,
            steps = c.Steps.Select(s => s.Describe()),
        }),
    }, VerifyReport.Options);

    public static void Print(IReadOnlyList<Finding> findings, Terminal terminal)
    {
        terminal.Line("Pre-flight:", "bold");
        foreach (var f in findings)
        {
            var (mark, style) = f.Severity switch { Severity.Ok => ("ok  ", "green"), Severity.Warning => ("warn", "yellow"), _ => ("FAIL", "red") };
            terminal.Line($"  {mark} {f.Check}: {f.Observed}", style);
            if (f.Advice is not null && f.Severity != Severity.Ok) terminal.Line($"       what to do: {f.Advice}");
        }
    }

    public static void Print(VerifyReport report, Terminal terminal)
    {
        foreach (var r in report.Results)
            terminal.Line($"{(r.Passed ? "pass" : "FAIL")}  {r.Control.Id}  {r.Control.Title}: expected {r.Control.Expected}, observed {r.Observed}",
                r.Passed ? null : "red");
        terminal.Line($"{report.Passed} passed, {report.Failed} failed ({report.Results.Count} controls, generation {report.Generation?.ToString() ?? "none"}, {report.CheckedAt:u})", "bold");
    }
}
