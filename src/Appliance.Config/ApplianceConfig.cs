using System.Net;

namespace Appliance.Config;

/// <summary>The whole declarative configuration of one appliance, as written in appliance.yaml.</summary>
public sealed record ApplianceConfig
{
    public required ApplianceIdentity Appliance { get; init; }
    public required MachineSpec Machine { get; init; }
    public required NetworkPolicy Network { get; init; }
    public required ModelSet Models { get; init; }
    public InferenceSettings Inference { get; init; } = new();
    public RagSettings Rag { get; init; } = new();
    public AuthSettings Auth { get; init; } = new();
    public required PrivacySettings Privacy { get; init; }
    public SystemSettings System { get; init; } = new();
    public StorageSettings Storage { get; init; } = new();

    [Doc("encrypted backups of everything the box alone holds (documents, query log, users, keys, state)")]
    public BackupSettings Backup { get; init; } = new();

    [Doc("work the box does while the office sleeps: people's jobs over documents, and scheduled digests")]
    public JobSettings Jobs { get; init; } = new();
}

public sealed record ApplianceIdentity
{
    [Doc("a human name for this box, shown on the web page and in audit packs")]
    public required string Name { get; init; }

    [Doc("the box's host name on the LAN"), HostName]
    public required string Hostname { get; init; }

    [Doc("who looks after the box (e-mail or phone)")]
    public required string AdminContact { get; init; }
}

public enum Chip { M1Max, M1Ultra, M2Max, M2Ultra, M3Max, M3Ultra, M4Max, M4Pro, M5Max }

public sealed record MachineSpec
{
    public required Chip Chip { get; init; }

    [Range(8, 1024)]
    public required int MemoryGb { get; init; }
}
