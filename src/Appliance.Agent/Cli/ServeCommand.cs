using System.CommandLine;
using Appliance.Agent.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Appliance.Agent.Cli;

/// <summary>`appliance serve`: run the agent until stopped (SIGTERM / Ctrl-C drains in-flight answers).</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var config = ConfigOption.Create();
        var urls = new Option<string[]>("--urls")
        {
            Description = "listen here instead of network.agent_port (e.g. http://127.0.0.1:8080); repeat or comma-separate",
            AllowMultipleArgumentsPerToken = true,
        };
        var plain = new Option<bool>("--plain-logs") { Description = "human-readable log lines instead of JSON" };
        var command = new Command("serve", """
            Run the agent: the web page, the OpenAI-compatible API (/v1), the document API (/api),
            /healthz and /metrics, on network.agent_port (HTTPS when network.tls.enabled).
            Users, groups and roles come from appliance.yaml (and LDAP when configured); give a
            user a password with `appliance users passwd NAME`. Stops cleanly on SIGTERM/Ctrl-C,
            letting answers in progress finish (up to 30 s).
            """) { config, urls, plain };
        command.SetAction(async (parse, ct) =>
        {
            if (ConfigOption.Load(parse.GetValue(config)!) is not var (cfg, dir)) return 2;
            var options = new AgentOptions
            {
                Config = cfg,
                ConfigDirectory = dir,
                ConfigFile = parse.GetValue(config)!.FullName,
                Urls = (parse.GetValue(urls) ?? []).SelectMany(u => u.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList(),
                InitialPassword = Environment.GetEnvironmentVariable("APPLIANCE_INITIAL_PASSWORD") is { Length: > 0 } p ? p : null,
                PlainLogs = parse.GetValue(plain),
            };
            WebApplication app;
            try
            {
                app = await AgentHost.BuildAsync(options, ct);
            }
            catch (AgentStartException e)
            {
                Console.Error.WriteLine($"appliance serve: {e.Message}");
                return 1;
            }
            app.Lifetime.ApplicationStarted.Register(() =>
                app.Logger.LogInformation("agent listening on {Addresses}", string.Join(", ", AgentHost.BoundAddresses(app))));
            try
            {
                try
                {
                    await app.StartAsync(CancellationToken.None);
                }
                catch (IOException e) when (e.InnerException is AddressInUseException)
                {
                    Console.Error.WriteLine($"appliance serve: {BusyPort.Describe(options)}");
                    return 1;
                }
                await app.WaitForShutdownAsync(CancellationToken.None);
                return 0;
            }
            finally
            {
                await app.DisposeAsync();
            }
        });
        return command;
    }
}
