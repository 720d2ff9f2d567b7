using System.CommandLine;
using System.Text.Json;
using Appliance.Config;
using Appliance.Provision.Apply;
using Appliance.Provision.Backup;
using Appliance.Provision.Bundle;
using Appliance.Provision.Controls;
using Appliance.Provision.Preflight;
using Appliance.Provision.Targets;

namespace Appliance.Provision.Cli;

/// <summary>`provision plan|apply|verify|rollback`: bringing a box to the config, and proving it.</summary>
internal static class StateCommands
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int ChangesPending = 2;

    private sealed record Options(Option<FileInfo> Config, Option<string> Target, Option<bool> Json, Option<bool> Yes,
        Option<FileInfo?> SshConfig, Option<DirectoryInfo?> ModelsFrom, Option<DirectoryInfo?> Bundle)
    {
        public static Options Create() => new(CommonOptions.ConfigFile(), CommonOptions.Target(), CommonOptions.Json(), CommonOptions.Yes(),
            CommonOptions.SshConfig(), CommonOptions.ModelsFrom(),
            new Option<DirectoryInfo?>("--bundle") { Description = "also install this agent bundle (from `provision bundle`) in the appliance's bin folder" });

        public void AddTo(Command command)
        {
            command.Options.Add(Config);
            command.Options.Add(Target);
            command.Options.Add(Json);
            command.Options.Add(SshConfig);
            command.Options.Add(ModelsFrom);
            command.Options.Add(Bundle);
        }

        public SessionOptions Session(ParseResult parse) => new()
        {
            SshConfig = parse.GetValue(SshConfig)?.FullName,
            ModelCache = parse.GetValue(ModelsFrom)?.FullName,
            Bundle = parse.GetValue(Bundle)?.FullName,
        };
    }

    public static IEnumerable<Command> Create() => [Plan(), ApplyCommand(), Verify(), Rollback()];

    private static Command Plan()
    {
        var o = Options.Create();
        var command = new Command("plan", """
            Read the box and show what apply would change, Terraform-style: + create, ~ update,
            - delete (things provision created that the config no longer wants), ! needs a person.
            Exit codes: 0 no changes, 2 changes pending, 1 error.
            """);
        o.AddTo(command);
        command.SetAction((parse, ct) => Run(parse, o, async (session, terminal) =>
        {
            var plan = await session.PlanAsync(ct);
            if (parse.GetValue(o.Json)) Console.WriteLine(PlanPrinter.Json(plan));
            else PlanPrinter.Print(plan, terminal);
            return plan.HasChanges || plan.Conflicts.Any() ? ChangesPending : Ok;
        }, ct));
        return command;
    }

    private static Command ApplyCommand()
    {
        var o = Options.Create();
        var command = new Command("apply", """
            Pre-flight checks, then the plan, then the changes. Every apply is journaled on the box
            (/var/db/appliance/journal.jsonl: who, from where, when, each step and its result); a
            successful apply that changed something becomes a numbered generation (see rollback).
            A failed step stops the apply with the reason; fix it and run apply again.
            """);
        o.AddTo(command);
        command.Options.Add(o.Yes);
        command.SetAction((parse, ct) => Run(parse, o, async (session, terminal) =>
        {
            // The plan only reads the box; pre-flight checks what its steps need before anything changes.
            var plan = await session.PlanAsync(ct);
            var findings = await session.PreflightAsync(plan, ct);
            PlanPrinter.Print(findings, terminal);
            if (findings.Any(f => f.Severity == Severity.Error))
            {
                terminal.Error("Pre-flight found problems (FAIL above); nothing was changed.");
                return Failed;
            }
            PlanPrinter.Print(plan, terminal);
            if (plan.HasChanges && !Confirmed(parse.GetValue(o.Yes), terminal, "Apply these changes?")) return Failed;
            await OlderCodeGuard.EnsureBundleReadsDataAsync(session, plan, ct);
            if (await PreUpgradeBackup.TakeAsync(session, plan, ct) is { } backedUp) terminal.Line(backedUp);
            return Report(await session.ApplyAsync(plan, Progress(terminal), ct), terminal, parse.GetValue(o.Json));
        }, ct));
        return command;
    }

    private static Command Verify()
    {
        var o = Options.Create();
        var evidence = new Option<FileInfo?>("--evidence") { Description = $"also write the result as JSON for the audit pack (schema {VerifyReport.Schema})" };
        var command = new Command("verify", """
            Check every control against the live box without changing anything: one line per control
            (id, title, expected, observed, pass/FAIL). Exit codes: 0 all pass, 1 drift or error.
            Every control (its check command, expected value, fix and measures) is defined once in
            provision/Controls/ControlCatalogue.cs; `provision controls` lists those the config needs.
            """) { evidence };
        o.AddTo(command);
        command.SetAction((parse, ct) => Run(parse, o, async (session, terminal) =>
        {
            var report = await session.VerifyAsync(ct);
            if (parse.GetValue(evidence) is { } file)
            {
                file.Directory?.Create();
                await File.WriteAllTextAsync(file.FullName, report.ToJson(), ct);
            }
            if (parse.GetValue(o.Json)) Console.WriteLine(report.ToJson());
            else PlanPrinter.Print(report, terminal);
            return report.Failed == 0 ? Ok : Failed;
        }, ct));
        return command;
    }

    private static Command Rollback()
    {
        var o = Options.Create();
        var to = new Option<int?>("--to") { Description = "the generation to return to (default: the one before the current)" };
        var command = new Command("rollback", """
            Return the box to a previous generation's config: the same plan and apply as for a new
            config (files restored, things the older config did not have removed). Recorded as a
            new generation that says which one it rolled back to.
            """) { to };
        o.AddTo(command);
        command.Options.Add(o.Yes);
        command.SetAction((parse, ct) => Run(parse, o, async (session, terminal) =>
        {
            var (previous, generation) = await session.ForGenerationAsync(parse.GetValue(to), ct);
            terminal.Line($"Rolling back to generation {generation.Number} (applied {generation.AppliedAt:u} by {generation.AppliedBy}).");
            var plan = await previous.PlanAsync(ct);
            PlanPrinter.Print(plan, terminal);
            if (!Confirmed(parse.GetValue(o.Yes), terminal, $"Roll back to generation {generation.Number}?")) return Failed;
            await OlderCodeGuard.EnsureBundleReadsDataAsync(previous, plan, ct);
            if (await PreUpgradeBackup.TakeAsync(previous, plan, ct) is { } backedUp) terminal.Line(backedUp);
            return Report(await previous.RollbackAsync(generation.Number, plan, Progress(terminal), ct), terminal, parse.GetValue(o.Json));
        }, ct));
        return command;
    }

    private static bool Confirmed(bool yes, Terminal terminal, string question)
    {
        if (yes) return true;
        if (terminal.Interactive) return terminal.Confirm(question);
        terminal.Error("Not on a terminal: add --yes to apply without asking. Nothing was changed.");
        return false;
    }

    private static IProgress<StepResult> Progress(Terminal terminal) =>
        new SynchronousProgress<StepResult>(r => terminal.Line($"  {(r.Succeeded ? "done" : "FAILED")}  {r.Step}" + (r.Succeeded ? "" : $"\n        {r.Detail}"),
            r.Succeeded ? "grey" : "red"));

    private static int Report(ApplyOutcome outcome, Terminal terminal, bool json)
    {
        if (json) Console.WriteLine(JsonSerializer.Serialize(outcome.Journal, VerifyReport.Options));
        var entry = outcome.Journal;
        switch (entry.Outcome)
        {
            case ApplyResult.Applied: terminal.Line($"Applied: generation {entry.Generation}, {entry.Steps.Count} steps. Journal: {Journal.FilePath}", "green"); break;
            case ApplyResult.NoChanges: terminal.Line("Nothing to do; journaled.", "green"); break;
            default:
                terminal.Error($"Apply failed: {entry.Error}");
                terminal.Line($"The box is partly updated; what was done is recorded in {Journal.FilePath}. Fix the cause and run apply again: it continues from here.");
                break;
        }
        return outcome.Succeeded ? Ok : Failed;
    }

    /// <summary>Opens config and target, runs the verb, and turns expected failures into messages, not stack traces.</summary>
    private static async Task<int> Run(ParseResult parse, Options o, Func<ProvisioningSession, Terminal, Task<int>> verb, CancellationToken ct)
    {
        var terminal = new Terminal();
        try
        {
            await using var session = await ProvisioningSession.OpenAsync(parse.GetValue(o.Config)!.FullName, parse.GetValue(o.Target)!, o.Session(parse), ct);
            terminal.SimulatedBanner(session.Target.IsSimulated, session.Target.Description);
            return await verb(session, terminal);
        }
        catch (InvalidConfigException e)
        {
            foreach (var error in e.Errors) terminal.Error(error.ToString());
            terminal.Error($"{e.Errors.Count} error(s) in the config; nothing was changed.");
            return Failed;
        }
        catch (Exception e) when (e is FormatException or TargetRefusedException or TargetUnreachableException or RollbackException
                                      or InvalidDataException or IOException or Appliance.Exec.CommandException)
        {
            terminal.Error(e.Message);
            return Failed;
        }
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
