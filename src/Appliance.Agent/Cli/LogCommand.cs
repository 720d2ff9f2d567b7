using System.CommandLine;
using System.Text.Json;
using Appliance.Agent.Audit;
using Appliance.Config;

namespace Appliance.Agent.Cli;

/// <summary>`appliance log verify`: walk the query log's hash chain and name the first entry that does not check out.</summary>
internal static class LogCommand
{
    public static Command Create()
    {
        var command = new Command("log", "The hash-chained query log.");
        var config = ConfigOption.Create();
        var json = new Option<bool>("--json") { Description = "print machine-readable JSON" };
        var verify = new Command("verify", """
            Recompute every entry's SHA-256 and check each links to the one before (purges by the
            retention job are recorded in the chain and accepted). Exit 0 when intact, 1 at the
            first broken entry (which is printed), 2 when the log cannot be read.
            """) { config, json };
        verify.SetAction(async (parse, ct) =>
        {
            if (ConfigOption.Load(parse.GetValue(config)!) is not var (cfg, dir)) return 2;
            var file = Path.Combine(ConfigPaths.DataFolder(cfg, dir), "querylog.db");
            if (!File.Exists(file))
            {
                Console.Error.WriteLine($"appliance log verify: no query log at {file} (has the agent run yet?)");
                return 2;
            }
            var verdict = await QueryLog.OpenForReading(file).VerifyAsync(ct);
            Console.WriteLine(parse.GetValue(json)
                ? JsonSerializer.Serialize(verdict, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true })
                : verdict.ToString());
            return verdict.Intact ? 0 : 1;
        });
        command.Subcommands.Add(verify);
        return command;
    }
}
