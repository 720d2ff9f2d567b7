using System.CommandLine;
using System.CommandLine.Parsing;

namespace Appliance.Provision.Cli;

/// <summary>
/// What a mistyped command line gets: the error first, then one usage line pointing at --help.
/// The whole help would push the error off the screen.
/// </summary>
internal static class Usage
{
    public const int Error = 1;

    public static int Report(ParseResult parse, TextWriter error)
    {
        foreach (var problem in parse.Errors) error.WriteLine($"error: {problem.Message}");
        error.WriteLine(Line(parse.CommandResult));
        return Error;
    }

    /// <summary>e.g. "usage: provision plan [options]   (provision plan --help lists them)".</summary>
    public static string Line(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? at = command; at is not null; at = at.Parent)
            if (at is CommandResult c) names.Insert(0, c.Command.Name);
        var path = string.Join(' ', names);
        var hasSubcommands = command.Command.Subcommands.Count > 0;
        return $"usage: {path} {(hasSubcommands ? "COMMAND " : "")}[options]   ({path} --help lists them)";
    }
}
