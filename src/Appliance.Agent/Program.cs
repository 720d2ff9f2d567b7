using System.CommandLine;
using Appliance.Agent.Cli;

var root = new RootCommand("""
    appliance — the office AI appliance's agent and its admin verbs.

    `appliance serve` runs the agent (web page, OpenAI-compatible API, document API);
    `appliance ask "…"` asks a running agent over HTTP.
    `appliance users passwd NAME` sets a password; `appliance log verify` checks the query log;
    `appliance audit export` writes the agent's evidence for the signed audit pack.
    `appliance selfcheck` checks that the pinned llama.cpp build is present, intact and loads.
    `appliance extract FILE` prints what the index gets from a file (the agent reads PDFs this way, in child processes).
    """);
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(AskCommand.Create());
root.Subcommands.Add(UsersCommand.Create());
root.Subcommands.Add(LogCommand.Create());
root.Subcommands.Add(AuditCommand.Create());
root.Subcommands.Add(SelfCheckCommand.Create());
root.Subcommands.Add(IngestCommand.Create());
root.Subcommands.Add(SearchCommand.Create());
root.Subcommands.Add(DocumentsCommand.Create());
root.Subcommands.Add(ExtractCommand.Create());
return await root.Parse(args).InvokeAsync();
