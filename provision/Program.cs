using System.CommandLine;
using Appliance.Provision.Cli;

var root = new RootCommand("""
    provision — turn a Mac Studio into a private AI appliance from one appliance.yaml.

    Start with `provision config validate` to check the file, then `provision plan --target …`
    to preview what would change on the box, `apply` to change it, `verify` to prove it.
    Try everything on a simulated macOS first: --target sandbox:/tmp/box
    """);
root.Subcommands.Add(ConfigCommands.Create());
foreach (var command in StateCommands.Create()) root.Subcommands.Add(command);
root.Subcommands.Add(ControlsCommand.Create());
root.Subcommands.Add(SizeCommand.Create());
root.Subcommands.Add(ModelCommands.Create());
root.Subcommands.Add(BundleCommand.Create());
root.Subcommands.Add(AuditCommands.Create());
root.Subcommands.Add(NightlyCommand.Create());
root.Subcommands.Add(BackupCommands.Create());
var parse = root.Parse(args);
return parse.Errors.Count > 0 ? Usage.Report(parse, Console.Error) : await parse.InvokeAsync();
