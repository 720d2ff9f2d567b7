using System.Collections.Immutable;

namespace Appliance.Exec;

/// <summary>
/// A program to run, as plain data: it can be printed in a plan, asserted in a test and journaled
/// before it runs. Arguments are a list, never a shell string.
/// </summary>
public sealed record Command(string Program, ImmutableArray<string> Arguments)
{
    public static Command Of(string program, params string[] arguments) => new(program, [.. arguments]);

    public string? WorkingDirectory { get; init; }

    /// <summary>Variables added to (or, with a null value, removed from) the inherited environment.</summary>
    public ImmutableDictionary<string, string?> Environment { get; init; } = ImmutableDictionary<string, string?>.Empty;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Text written to the program's standard input, which is then closed.</summary>
    public string? StandardInput { get; init; }

    public Command WithArguments(params string[] arguments) => this with { Arguments = [.. arguments] };
    public Command AddArguments(params string[] arguments) => this with { Arguments = Arguments.AddRange(arguments) };
    public Command WithEnvironment(string name, string? value) => this with { Environment = Environment.SetItem(name, value) };
    public Command WithTimeout(TimeSpan timeout) => this with { Timeout = timeout };
    public Command WithWorkingDirectory(string directory) => this with { WorkingDirectory = directory };
    public Command WithStandardInput(string input) => this with { StandardInput = input };

    /// <summary>Two commands are equal when they would run the same way (argument lists compared by value).</summary>
    public bool Equals(Command? other) =>
        other is not null && Program == other.Program && Arguments.SequenceEqual(other.Arguments)
        && WorkingDirectory == other.WorkingDirectory && Timeout == other.Timeout && StandardInput == other.StandardInput
        && Environment.Count == other.Environment.Count
        && Environment.All(e => other.Environment.TryGetValue(e.Key, out var v) && v == e.Value);

    public override int GetHashCode() => HashCode.Combine(Program, Arguments.Length, WorkingDirectory);

    /// <summary>How the command reads to a person: each argument quoted only where needed.</summary>
    public override string ToString() =>
        string.Join(' ', new[] { Program }.Concat(Arguments).Select(Quote));

    private static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:@,+%".Contains(c))
            ? word
            : "'" + word.Replace("'", "'\\''") + "'";
}

/// <summary>What a finished command did.</summary>
public sealed record CommandResult(Command Command, int ExitCode, string StandardOutput, string StandardError, TimeSpan Duration)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>This result, or an exception naming the command, its exit code and its error output.</summary>
    public CommandResult EnsureSuccess() => Succeeded ? this : throw new CommandFailedException(this);
}

public class CommandException(Command command, string message, Exception? inner = null) : Exception(message, inner)
{
    public Command Command { get; } = command;
}

public sealed class CommandFailedException(CommandResult result)
    : CommandException(result.Command, $"`{result.Command}` exited with {result.ExitCode}: {Tail(result.StandardError, result.StandardOutput)}")
{
    public CommandResult Result { get; } = result;

    private static string Tail(string error, string output)
    {
        var text = (error.Trim().Length > 0 ? error : output).Trim();
        return text.Length == 0 ? "(no output)" : text.Length <= 400 ? text : "…" + text[^400..];
    }
}

public sealed class CommandTimedOutException(Command command)
    : CommandException(command, $"`{command}` did not finish within {command.Timeout.TotalSeconds:0.#} s and was killed");

public sealed class CommandNotFoundException(Command command, Exception inner)
    : CommandException(command, $"cannot start `{command.Program}`: {inner.Message}", inner);
