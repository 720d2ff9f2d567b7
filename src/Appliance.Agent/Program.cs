using System.CommandLine;
using Appliance.Agent.Cli;

var root = new RootCommand("""
    appliance — the office AI appliance's agent and its admin verbs.

    `appliance selfcheck` checks that the pinned llama.cpp build is present, intact and loads.
    """);
root.Subcommands.Add(SelfCheckCommand.Create());
root.Subcommands.Add(IngestCommand.Create());
root.Subcommands.Add(SearchCommand.Create());
root.Subcommands.Add(DocumentsCommand.Create());
return await root.Parse(args).InvokeAsync();
