using System.Diagnostics;
using Appliance.Exec;
using Appliance.Provision.Targets;
using Appliance.Provision.Resources;

namespace Appliance.Provision.Apply;

/// <summary>What one step did.</summary>
public sealed record StepResult(string Resource, string Step, bool Succeeded, string Detail, TimeSpan Duration);

/// <summary>Runs steps on a target, one at a time; a failed step says what failed and why.</summary>
public sealed class StepRunner(ITarget target)
{
    public async Task<StepResult> RunAsync(Step step, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        string? failure;
        try
        {
            failure = await ExecuteAsync(step, cancellationToken);
        }
        catch (CommandException e)
        {
            failure = e.Message;
        }
        return new StepResult(step.Resource, step.Describe(), failure is null, failure ?? "ok", clock.Elapsed);
    }

    private async Task<string?> ExecuteAsync(Step step, CancellationToken ct)
    {
        switch (step)
        {
            case RunCommand run:
            {
                var result = await target.RunAsync(run.Command, ct);
                return run.AlsoAccept.Contains(result.ExitCode) ? null : Failure(result);
            }
            case RunThenCheck run:
            {
                var result = await target.RunAsync(run.Command, ct);
                if (Failure(result) is { } failed) return failed;
                var check = await target.RunAsync(run.Check, ct);
                return check.Succeeded && check.StandardOutput.Trim() == run.ExpectedOutput
                    ? null
                    : $"`{run.Command}` exited 0 but `{run.Check}` printed '{(check.StandardOutput + check.StandardError).Trim()}' " +
                      $"instead of '{run.ExpectedOutput}'. {run.Advice} (its output: {(result.StandardError + result.StandardOutput).Trim()})";
            }
            case WaitUntil wait:
                for (var attempt = 1; attempt <= wait.Attempts; attempt++)
                {
                    if ((await target.RunAsync(wait.Probe, ct)).ExitCode == wait.ExitCode) return null;
                    await Task.Delay(wait.Interval, ct);
                }
                return $"`{wait.Probe}` still did not exit {wait.ExitCode} after {wait.Attempts} tries";
            case WriteFile write:
            {
                var temp = write.Path + ".appliance-new";
                await target.WriteFileAsync(temp, write.Content, ct);
                return await OwnAndMoveAsync(temp, write.Path, write.Owner, write.Group, write.Mode, ct);
            }
            case CopyFile copy:
            {
                if (!File.Exists(copy.LocalPath))
                    return $"{copy.LocalPath} is not on this machine: fetch it with `provision models pull` or `provision models import PATH` first";
                var temp = copy.Path + ".appliance-new";
                await target.CopyFileAsync(copy.LocalPath, temp, ct);
                var sum = await target.RunAsync(Command.Of(MacTools.Shasum, "-a", "256", temp).WithTimeout(TimeSpan.FromHours(1)), ct);
                if (Failure(sum) is { } failed) return failed;
                if (!sum.StandardOutput.StartsWith(copy.Sha256, StringComparison.Ordinal))
                {
                    await target.RunAsync(Command.Of(MacTools.Rm, "-f", temp), ct);
                    return $"{copy.Path}: the copy on the box has SHA-256 {sum.StandardOutput.Split(' ')[0]}, expected {copy.Sha256}; removed it";
                }
                return await OwnAndMoveAsync(temp, copy.Path, copy.Owner, copy.Group, copy.Mode, ct);
            }
            case SetOwnership own:
                return Failure(await target.RunAsync(Command.Of(MacTools.Chown, $"{own.Owner}:{own.Group}", own.Path), ct))
                       ?? Failure(await target.RunAsync(Command.Of(MacTools.Chmod, Modes.Octal(own.Mode), own.Path), ct));
            case MakeDirectory dir:
                return Failure(await target.RunAsync(Command.Of(MacTools.Install, "-d", "-o", dir.Owner, "-g", dir.Group, "-m", Modes.Octal(dir.Mode), dir.Path), ct));
            case RemovePath remove:
                return Failure(await target.RunAsync(Command.Of(MacTools.Rm, remove.Recursive ? "-rf" : "-f", remove.Path), ct));
            case OwnStep own:
                return await own.RunAsync(target, ct);
            case BackUpOriginal backup:
            {
                if (await target.ReadFileAsync(backup.BackupPath, ct) is not null) return null;
                var original = await target.ReadFileAsync(backup.Path, ct);
                if (original is null) return null;
                await target.WriteFileAsync(backup.BackupPath, original, ct);
                return null;
            }
            default:
                throw new NotSupportedException($"no runner for {step.GetType().Name}");
        }
    }

    /// <summary>Owner and mode first, then one rename: the file never appears with the wrong ones.</summary>
    private async Task<string?> OwnAndMoveAsync(string temp, string path, string owner, string group, UnixFileMode mode, CancellationToken ct)
    {
        var failure = Failure(await target.RunAsync(Command.Of(MacTools.Chown, $"{owner}:{group}", temp), ct))
                      ?? Failure(await target.RunAsync(Command.Of(MacTools.Chmod, Modes.Octal(mode), temp), ct))
                      ?? Failure(await target.RunAsync(Command.Of(MacTools.Mv, temp, path), ct));
        // No half-made file is left beside the real one.
        if (failure is not null) await target.RunAsync(Command.Of(MacTools.Rm, "-f", temp), ct);
        return failure;
    }

    internal static string? Failure(CommandResult result) =>
        result.Succeeded ? null : new CommandFailedException(result).Message;
}
