using Appliance.Exec;
using Appliance.Provision.Resources;

namespace Appliance.Provision.Apply;

/// <summary>
/// One thing apply does, as data: printed in the plan, asserted in tests, journaled, then run by a
/// <see cref="StepRunner"/>. Commands are argument lists, files carry their content, owner and mode.
/// </summary>
public abstract record Step
{
    /// <summary>The resource this step converges.</summary>
    public required string Resource { get; init; }
    public abstract string Describe();
}

/// <summary>
/// A step of one part of the tool that only that part knows how to run (shipping the agent bundle):
/// the runner hands it the target, so the runner itself knows no part's steps.
/// </summary>
public abstract record OwnStep : Step
{
    /// <returns>null when done; otherwise why it failed</returns>
    public abstract Task<string?> RunAsync(Targets.ITarget target, CancellationToken cancellationToken);
}

/// <summary>Run a command; exit 0 is success (stderr is not failure: pfctl always writes to it).</summary>
public sealed record RunCommand(Command Command) : Step
{
    /// <summary>Exit codes that also count as done (bootout of a job that is already gone: 113).</summary>
    public IReadOnlyList<int> AlsoAccept { get; init; } = [];
    public override string Describe() => "run " + Command;
}

/// <summary>Run a command whose exit code lies (sysadminctl): success is judged by a check afterwards.</summary>
public sealed record RunThenCheck(Command Command, Command Check, string ExpectedOutput, string Advice) : Step
{
    public override string Describe() => $"run {Command}, then require `{Check}` to print {ExpectedOutput}";
}

/// <summary>Poll until a command exits with the wanted code (launchctl print after bootout).</summary>
public sealed record WaitUntil(Command Probe, int ExitCode, int Attempts, TimeSpan Interval) : Step
{
    public override string Describe() => $"wait until `{Probe}` exits {ExitCode}";
}

/// <summary>Write a file atomically: temporary file, owner, mode, then rename over the target.</summary>
public sealed record WriteFile(string Path, byte[] Content, string Owner, string Group, UnixFileMode Mode) : Step
{
    public override string Describe() => $"write {Path} ({Content.Length} bytes, {Owner}:{Group} {Modes.Octal(Mode)})";
}

/// <summary>Ship a local file (a model, the agent) to the box, then check its SHA-256 there.</summary>
public sealed record CopyFile(string LocalPath, string Path, string Sha256, string Owner, string Group, UnixFileMode Mode) : Step
{
    public override string Describe() => $"copy {LocalPath} to {Path} (sha256 {Sha256[..12]}…, {Owner}:{Group} {Modes.Octal(Mode)})";
}

/// <summary>Set owner and mode of an existing path.</summary>
public sealed record SetOwnership(string Path, string Owner, string Group, UnixFileMode Mode) : Step
{
    public override string Describe() => $"set {Path} to {Owner}:{Group} {Modes.Octal(Mode)}";
}

public sealed record MakeDirectory(string Path, string Owner, string Group, UnixFileMode Mode) : Step
{
    public override string Describe() => $"create folder {Path} ({Owner}:{Group} {Modes.Octal(Mode)})";
}

public sealed record RemovePath(string Path, bool Recursive) : Step
{
    public override string Describe() => $"remove {Path}{(Recursive ? " and everything in it" : "")}";
}

/// <summary>Keep the original of a file the tool starts editing, once: `file.before-appliance`.</summary>
public sealed record BackUpOriginal(string Path) : Step
{
    public string BackupPath => Path + ".before-appliance";
    public override string Describe() => $"back up {Path} as {BackupPath} (unless a backup exists)";
}
