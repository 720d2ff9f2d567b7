using Appliance.Exec;

namespace Appliance.Agent.Cli;

/// <summary>How to start the appliance's own program again, for child processes such as `appliance extract`.</summary>
internal static class ThisProgram
{
    /// <summary>
    /// The published executable when this is it; otherwise the .NET host with the agent's assembly
    /// (`dotnet appliance.dll`), which is how tests, the demo and in-process hosts run it.
    /// </summary>
    public static Command Command()
    {
        var assembly = typeof(ThisProgram).Assembly.Location;
        var process = Environment.ProcessPath;
        if (process is not null && Path.GetFileNameWithoutExtension(process) == Path.GetFileNameWithoutExtension(assembly))
            return Exec.Command.Of(process);
        if (process is not null && Path.GetFileNameWithoutExtension(process) == "dotnet")
            return Exec.Command.Of(process, assembly);
        var apphost = Path.ChangeExtension(assembly, OperatingSystem.IsWindows() ? ".exe" : null);
        if (File.Exists(apphost)) return Exec.Command.Of(apphost);
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? throw new InvalidOperationException(
            $"cannot tell how to start {assembly} again: this process ({process}) is neither it nor the dotnet host, and DOTNET_HOST_PATH is not set");
        return Exec.Command.Of(host, assembly);
    }
}
