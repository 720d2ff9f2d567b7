using System.Net;

namespace Appliance.Config;

// appliance.yaml's system, ssh and storage: what the Mac itself must be.
public enum FileVaultExpectation { Required, Off, Any }

public enum PressureLevel { Warning, Critical }

public sealed record SystemSettings
{
    [Doc("keep the box awake (pmset sleep 0, autorestart 1)")]
    public bool PreventSleep { get; init; } = true;

    [Doc("Spotlight indexing on the data volume")]
    public bool Spotlight { get; init; }

    public SshPolicy Ssh { get; init; } = new();

    public bool ApplicationFirewall { get; init; } = true;

    public FileVaultExpectation Filevault { get; init; } = FileVaultExpectation.Required;

    [Doc("memory-pressure level at which verify and /metrics alert")]
    public PressureLevel MemoryPressureAlert { get; init; } = PressureLevel.Warning;
}

public sealed record SshPolicy
{
    public bool Enabled { get; init; } = true;
    public bool KeyOnly { get; init; } = true;

    [Doc("macOS accounts allowed to log in over SSH (com.apple.access_ssh)")]
    public IReadOnlyList<string> Users { get; init; } = [];
}

public sealed record StorageSettings
{
    [Doc("where the appliance keeps config, models and data on the box")]
    public string Root { get; init; } = "/Library/Application Support/Appliance";

    [Doc("models folder; relative to root unless absolute")]
    public string Models { get; init; } = "models";

    [Doc("data folder (index, logs); the .noindex suffix keeps Spotlight out")]
    public string Data { get; init; } = "data.noindex";
}
