using System.CommandLine;
using Appliance.Config;

namespace Appliance.Agent.Cli;

/// <summary>`--config FILE` as every agent verb takes it, and loading it with every error shown at once.</summary>
internal static class ConfigOption
{
    public static Option<FileInfo> Create() => new("--config", "-c")
    {
        Description = "the appliance.yaml to use (default: $APPLIANCE_CONFIG, else ./appliance.yaml)",
        DefaultValueFactory = _ => new FileInfo(Environment.GetEnvironmentVariable("APPLIANCE_CONFIG") is { Length: > 0 } env ? env : "appliance.yaml"),
    };

    /// <returns>The config and its folder, or null after printing every problem to stderr.</returns>
    public static (ApplianceConfig Config, string Directory)? Load(FileInfo file)
    {
        var result = ConfigLoader.Load(file.FullName);
        if (result.IsValid) return (result.Config!, result.Directory);
        foreach (var error in result.Errors) Console.Error.WriteLine(error);
        Console.Error.WriteLine($"{file.Name}: {result.Errors.Count} problem(s); nothing was started (check with `bin/provision config validate -c {file}`)");
        return null;
    }
}
