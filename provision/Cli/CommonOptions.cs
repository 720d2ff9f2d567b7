using System.CommandLine;

namespace Appliance.Provision.Cli;

/// <summary>Options every verb spells the same way.</summary>
internal static class CommonOptions
{
    public static Option<FileInfo> ConfigFile() => new("--config", "-c")
    {
        Description = "the appliance config to read",
        DefaultValueFactory = _ => new FileInfo("appliance.yaml"),
    };

    public static Option<bool> Json() => new("--json")
    {
        Description = "print machine-readable JSON instead of text",
    };
}
