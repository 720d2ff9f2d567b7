using Appliance.Exec;
using Appliance.Provision.Apply;
using Appliance.Provision.Controls;
using Appliance.Provision.Targets;

namespace Appliance.Provision.Resources;

/// <summary>
/// A LaunchDaemon: its plist in /Library/LaunchDaemons (root:wheel 0644, or launchd refuses it) and
/// the job loaded in the system domain. `launchctl print`'s exit code is the truth (0 loaded,
/// 113 unknown). A changed plist is booted out, polled until gone, and bootstrapped again.
/// </summary>
public sealed class LaunchDaemon : Resource<LaunchDaemon.JobFacts>
{
    private readonly ManagedFile plist;
    private readonly Control loaded;

    /// <param name="spec">the job's controls from <see cref="ControlCatalogue"/> (its id is launchd.LABEL)</param>
    public LaunchDaemon(ControlSpec spec, string label, byte[] plistContent)
    {
        Label = label;
        PlistPath = $"/Library/LaunchDaemons/{label}.plist";
        plist = new ManagedFile(spec with { Id = spec.Id + ".plist", Title = spec.Title + ": plist" }, PlistPath, plistContent, "root", "wheel", Modes.FileWorldReads);
        loaded = ControlCatalogue.DaemonLoaded(spec, label);
    }

    public string Label { get; }
    public string PlistPath { get; }
    public byte[] PlistContent => plist.Content;

    public override string Id => "launchd " + Label;
    public override IReadOnlyList<Control> Controls => [plist.Control, loaded];
    public override IEnumerable<string> PathsToStat => [PlistPath];
    public override IReadOnlyList<Owned> Owns => [new(OwnedKind.LaunchdJob, PlistPath, plist.Sha256, Label)];

    public override async Task<Reading<JobFacts>> ReadFactsAsync(LiveBox box, CancellationToken cancellationToken)
    {
        var file = await plist.ReadFactsAsync(box, cancellationToken);
        var print = await box.RunAsync(loaded.Check, cancellationToken);
        var observed = print.ExitCode switch { 0 => "loaded", 113 => "not loaded", var code => $"launchctl print exited {code}" };
        return new Reading<JobFacts>([.. file.Results, new ControlResult(loaded, observed, observed == "loaded", DateTimeOffset.UtcNow)], file.Exists,
            new JobFacts(file, print.ExitCode == 0))
        {
            Diff = file.Diff,
            Conflict = file.Conflict,
        };
    }

    public override IReadOnlyList<Step> Converge(Reading<JobFacts> reading)
    {
        if (reading.Passed) return [];
        var facts = reading.Facts;
        var steps = new List<Step>(plist.Converge(facts.File).Select(s => s with { Resource = Id }));
        var rewritten = steps.OfType<WriteFile>().Any();
        if (rewritten) steps.Add(new RunCommand(Command.Of(MacTools.Plutil, "-lint", PlistPath)) { Resource = Id });
        if (facts.Loaded && rewritten) steps.AddRange(Unload(Label, Id));
        if (!facts.Loaded || rewritten)
        {
            steps.Add(new RunCommand(Command.Of(MacTools.Launchctl, "enable", $"system/{Label}")) { Resource = Id });
            steps.Add(new RunCommand(Command.Of(MacTools.Launchctl, "bootstrap", "system", PlistPath)) { Resource = Id });
        }
        return steps;
    }

    public static Command Print(string label) => Command.Of(MacTools.Launchctl, "print", $"system/{label}");

    /// <summary>bootout returns before the job is gone: poll print until 113, or the next bootstrap fails with 37.</summary>
    public static IEnumerable<Step> Unload(string label, string resource) =>
    [
        new RunCommand(Command.Of(MacTools.Launchctl, "bootout", $"system/{label}")) { Resource = resource, AlsoAccept = [113] },
        new WaitUntil(Print(label), 113, Attempts: 50, Interval: TimeSpan.FromMilliseconds(200)) { Resource = resource },
    ];

    public sealed record JobFacts(Reading<ManagedFile.FileFacts?> File, bool Loaded);
}
