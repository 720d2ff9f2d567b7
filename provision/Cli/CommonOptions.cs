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

    public static Option<string> Target() => new("--target", "-t")
    {
        Description = "where: local (this Mac, as root), ssh://admin@host[:port] (system ssh with your key, as an admin in " +
                      "system.ssh.users who may `sudo -n`: see README; never root), " +
                      "or sandbox:DIR (a simulated macOS in DIR, for trying things out and for tests)",
        DefaultValueFactory = _ => "local",
    };

    public static Option<bool> Yes() => new("--yes", "-y")
    {
        Description = "do not ask before changing the box (needed when not on a terminal)",
    };

    public static Option<FileInfo?> SshConfig() => new("--ssh-config")
    {
        Description = "an ssh_config file for the ssh target (identity, known hosts); default: your usual ssh configuration",
    };

    public static Option<DirectoryInfo?> ModelsFrom() => new("--models-from")
    {
        Description = "folder on this machine holding the model files to ship (default: .cache/models beside the config)",
    };
}
