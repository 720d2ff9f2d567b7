using Appliance.Config;
using Microsoft.Extensions.Logging;

namespace Appliance.Agent.Hosting;

/// <summary>Everything `appliance serve` needs to start: the config and how to listen.</summary>
public sealed record AgentOptions
{
    public required ApplianceConfig Config { get; init; }

    /// <summary>Relative paths in the config are resolved against this folder.</summary>
    public required string ConfigDirectory { get; init; }

    /// <summary>The config file itself (for advice the agent prints); appliance.yaml in <see cref="ConfigDirectory"/> unless given.</summary>
    public string ConfigFile
    {
        get => _configFile ?? Path.Combine(ConfigDirectory, "appliance.yaml");
        init => _configFile = value;
    }

    private readonly string? _configFile;

    /// <summary>Overrides the address and port from the config (e.g. <c>http://127.0.0.1:0</c> in tests).</summary>
    public IReadOnlyList<string> Urls { get; init; } = [];

    /// <summary>Given to configured users who have no password yet: the demo's shortcut, never for a real box.</summary>
    public string? InitialPassword { get; init; }

    public LogLevel MinimumLogLevel { get; init; } = LogLevel.Information;

    /// <summary>Plain-text console logs instead of JSON lines (a person watching the demo).</summary>
    public bool PlainLogs { get; init; }

    /// <summary>
    /// Runs after the agent has registered its services, to replace one: tests put a fault into a
    /// real part this way. Null on a real box.
    /// </summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    /// <summary>The box's clock and time zone (the system's; a test gives the agent an office's zone).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    public string DataFolder => ConfigPaths.DataFolder(Config, ConfigDirectory);
}
