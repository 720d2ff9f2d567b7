using Appliance.Exec;

namespace Appliance.Agent.Tests;

/// <summary>The built `appliance` program, run as a separate process the way an operator runs it.</summary>
public static class AgentProgram
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "appliance.dll");

    public static Task<CommandResult> RunAsync(string? standardInput, params string[] arguments)
    {
        var command = Command.Of("dotnet", [Dll, .. arguments]).WithTimeout(TimeSpan.FromMinutes(1));
        if (standardInput is not null) command = command.WithStandardInput(standardInput);
        return new LocalCommandRunner().RunAsync(command, CancellationToken.None);
    }
}
