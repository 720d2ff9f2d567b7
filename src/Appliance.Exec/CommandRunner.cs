using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using CliWrap;

namespace Appliance.Exec;

/// <summary>Something that runs commands: the local machine, a remote one, or a recording in tests.</summary>
public interface ICommandRunner
{
    Task<CommandResult> RunAsync(Command command, CancellationToken cancellationToken = default);
}

/// <summary>
/// Runs commands as local processes through CliWrap, which only executes: the <see cref="Command"/>
/// value stays the data plans and journals show. The timeout and cancellation cover the whole run —
/// writing standard input included — and both kill the whole process tree before this returns.
/// </summary>
public sealed class LocalCommandRunner : ICommandRunner
{
    public async Task<CommandResult> RunAsync(Command command, CancellationToken cancellationToken = default)
    {
        var output = new StringBuilder();
        var error = new StringBuilder();
        var process = Cli.Wrap(command.Program)
            .WithArguments(command.Arguments)
            .WithEnvironmentVariables(command.Environment)
            .WithStandardInputPipe(command.StandardInput is { } input ? PipeSource.FromString(input) : PipeSource.Null)
            .WithStandardOutputPipe(PipeTarget.ToStringBuilder(output))
            .WithStandardErrorPipe(PipeTarget.ToStringBuilder(error))
            // A non-zero exit is data (CommandResult.EnsureSuccess decides), not an exception here.
            .WithValidation(CommandResultValidation.None);
        if (command.WorkingDirectory is { } directory) process = process.WithWorkingDirectory(directory);

        using var timeout = new CancellationTokenSource(command.Timeout);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var clock = Stopwatch.StartNew();
        try
        {
            var result = await process.ExecuteAsync(either.Token);
            return new CommandResult(command, result.ExitCode, output.ToString(), error.ToString(), clock.Elapsed);
        }
        catch (OperationCanceledException) when (either.IsCancellationRequested)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new CommandTimedOutException(command);
        }
        catch (Exception e) when (e is Win32Exception || e.InnerException is Win32Exception)
        {
            throw new CommandNotFoundException(command, e.InnerException as Win32Exception ?? e);
        }
    }
}
