using System.Net;

namespace Appliance.Config;

// appliance.yaml's backup: where encrypted sets go, when, how many are kept, for whose key.
public enum BackupSchedule { Nightly, Manual }

/// <summary>
/// Where and how often the box writes encrypted backup sets. Only the office's public key is on the
/// box: it can write backups but never read old ones back.
/// </summary>
public sealed record BackupSettings
{
    [Doc("a mounted volume on the box: a USB disk or an SMB share macOS mounts (e.g. /Volumes/Backup); absent = no backups")]
    public string? Destination { get; init; }

    [Doc("the SMB server's address when the destination is a share on the LAN; the pf anchor lets the box reach exactly this host and port")]
    public IPAddress? ShareHost { get; init; }

    [Range(1, 65535)]
    public int SharePort { get; init; } = 445;

    [Doc("nightly (after the audit pack) or manual (only `provision backup now`)")]
    public BackupSchedule Schedule { get; init; } = BackupSchedule.Nightly;

    public BackupRetention Retention { get; init; } = new();

    [Doc("the office's backup public key (x25519:BASE64 from `provision backup keygen`); its private key stays off the box")]
    public BackupPublicKey? PublicKey { get; init; }
}

/// <summary>How many backup sets are kept: the newest of each of the last N days, weeks and months (restic's forget policy).</summary>
public sealed record BackupRetention
{
    [Range(1, 366)]
    public int Daily { get; init; } = 7;

    [Range(0, 520)]
    public int Weekly { get; init; } = 4;

    [Range(0, 120)]
    public int Monthly { get; init; } = 12;
}
