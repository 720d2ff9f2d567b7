using System.CommandLine;
using Appliance.Provision.Cli;

var root = new RootCommand("""
    provision — turn a Mac Studio into a private AI appliance from one appliance.yaml.

    Start with `provision config validate` to check the file, then `provision plan` to preview
    what would change on the box.
    """);
root.Subcommands.Add(ConfigCommands.Create());
root.Subcommands.Add(AuditCommands.Create());
return await root.Parse(args).InvokeAsync();
