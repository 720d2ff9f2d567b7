using System.ComponentModel;
using System.Diagnostics;

namespace Appliance.Exec;

/// <summary>Something that runs commands: the local machine, a remote one, or a recording in tests.</summary>
public interface ICommandRunner
{
    Task<CommandResult> RunAsync(Command command, CancellationToken cancellationToken = default);
}

/// <summary>Runs commands as local processes. Cancellation and timeouts kill the whole process tree.</summary>
public sealed class LocalCommandRunner : ICommandRunner
{
    public async Task<CommandResult> RunAsync(Command command, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(command.Program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = command.StandardInput is not null,
            UseShellExecute = false,
            WorkingDirectory = command.WorkingDirectory ?? "",
        };
        foreach (var argument in command.Arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in command.Environment)
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }

        using var process = new Process { StartInfo = start };
        var clock = Stopwatch.StartNew();
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new CommandNotFoundException(command, e);
        }

        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var error = process.StandardError.ReadToEndAsync(CancellationToken.None);
        if (command.StandardInput is not null)
        {
            try
            {
                await process.StandardInput.WriteAsync(command.StandardInput.AsMemory(), cancellationToken);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The program exited without reading its input; its exit code tells the story.
            }
        }

        using var timeout = new CancellationTokenSource(command.Timeout);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await process.WaitForExitAsync(either.Token);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            await process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            throw new CommandTimedOutException(command);
        }

        return new CommandResult(command, process.ExitCode, await output, await error, clock.Elapsed);
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited between the wait and the kill.
        }
    }
}
