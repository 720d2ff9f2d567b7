using System.Security.Cryptography;
using Appliance.Backup;
using Appliance.Config;
using Appliance.Provision.AuditPack;
using Appliance.Provision.Desired;
using Appliance.Provision.Targets;

namespace Appliance.Provision.Backup;

/// <summary>
/// The box's side of backups, run as root on the box (by the nightly job, or `sudo provision backup
/// now`): root parts (state, audit key, journal, generations, config, TLS) and the agent's data
/// folder go into one set. The agent's databases are copied by this same process with SQLite's
/// online backup API rather than by the agent: it reads a live WAL database beside the serving
/// agent without stopping it, needs no credential for the agent's API, and lets one run pin every
/// store at one moment (see <see cref="LiveStores"/>). Models and the agent program are not backed
/// up: they are pinned by SHA-256 and come back with `provision models pull` and `apply`.
/// </summary>
public sealed class BoxBackup
{
    public const string StateSubfolder = Layout.StateFolder + "/backup";
    public const string NamingKeyFile = StateSubfolder + "/object-key";
    public const string Staging = Layout.StateFolder + "-backup-staging";

    /// <summary>The part holding the agent's data folder; its databases' schema versions are in each set's summary.</summary>
    public const string DataPart = "data";

    private readonly Func<string, string> local;

    private BoxBackup(ApplianceConfig config, ITarget target, Func<string, string> local)
    {
        Config = config;
        Target = target;
        this.local = local;
        Layout = Layout.From(config);
    }

    public ApplianceConfig Config { get; }
    public ITarget Target { get; }
    public Layout Layout { get; }

    /// <summary>Backups read the box's files directly: on the Mac itself (local) or a sandbox's folder, never through ssh.</summary>
    public static BoxBackup For(ApplianceConfig config, ITarget target) => target switch
    {
        SandboxTarget sandbox => new BoxBackup(config, target, sandbox.HostPath),
        LocalTarget => new BoxBackup(config, target, p => p),
        _ => throw new TargetRefusedException("backups run on the box itself, beside the disk they write to: log in to the Mac and run `sudo provision backup now --target local` (the nightly job does this every night)"),
    };

    public string Local(string boxPath) => local(boxPath);

    public string Destination => Local(Config.Backup.Destination
        ?? throw new TargetRefusedException("backup.destination is not set in appliance.yaml (expected a mounted volume such as /Volumes/Backup)"));

    public string HostFolder => Path.Combine(Destination, Config.Appliance.Hostname);

    public const string BoxHistoryOnBox = StateSubfolder + "/" + BackupHistory.FileName;

    /// <summary>DEST/HOST/history.jsonl as the box names it.</summary>
    public static string DestinationHistoryOnBox(string destination, string hostname) => $"{destination.TrimEnd('/')}/{hostname}/{BackupHistory.FileName}";

    public string BoxHistory => Local(BoxHistoryOnBox);
    public string DestinationHistory => Path.Combine(HostFolder, BackupHistory.FileName);

    public IReadOnlyList<BackupPart> Parts()
    {
        string Name(string path) => path.TrimEnd('/').Split('/')[^1];
        return
        [
            new BackupPart("root", Local(Layout.Root), new HashSet<string>(StringComparer.Ordinal) { Name(Layout.Models), Name(Layout.Data), "bin", "logs" }),
            new BackupPart(DataPart, Local(Layout.Data), new HashSet<string>(StringComparer.Ordinal) { "library.lock", "library.lock.holder" }),
            new BackupPart("state", Local(Layout.StateFolder)),
        ];
    }

    /// <summary>A set's schema versions of the data folder's stores, by store file name (as a bundle states them).</summary>
    public static IReadOnlyDictionary<string, int> DataStores(IReadOnlyDictionary<string, int> setSchema) =>
        setSchema.Where(s => s.Key.StartsWith(DataPart + "/", StringComparison.Ordinal))
            .ToDictionary(s => s.Key[(DataPart.Length + 1)..], s => s.Value, StringComparer.Ordinal);

    /// <summary>Takes one set now; records the outcome on the box and, when reachable, on the destination.</summary>
    public async Task<BackupResult> NowAsync(TimeProvider clock, CancellationToken ct)
    {
        var recipient = Config.Backup.PublicKey
            ?? throw new TargetRefusedException("backup.public_key is not set in appliance.yaml (`provision backup keygen` makes a pair)");
        var destination = Destination;
        var started = clock.GetUtcNow();
        try
        {
            var (signer, _) = await AuditKeyOnBox.LoadOrCreateAsync(Target, ct);
            var writer = new BackupWriter(recipient, signer, await NamingKeyAsync(ct), clock);
            var result = await writer.WriteAsync(destination, Config.Appliance.Hostname, Parts(), Local(Staging), Config.Backup.Retention, ct);
            var done = new BackupEvent(BackupActivity.Backup, BackupOutcome.Succeeded, clock.GetUtcNow(), Config.Backup.Destination!, result.Set.Id,
                result.Set.Bytes, result.Set.Seconds, $"{result.Set.Files} files, {result.Set.WrittenBytes} bytes written");
            await BackupHistory.AppendAsync(BoxHistory, done, ct);
            await BackupHistory.AppendAsync(DestinationHistory, done, ct);
            return result;
        }
        catch (BackupFailedException e)
        {
            var failed = new BackupEvent(BackupActivity.Backup, BackupOutcome.Failed, clock.GetUtcNow(), Config.Backup.Destination!, null, 0,
                (clock.GetUtcNow() - started).TotalSeconds, e.Message);
            await BackupHistory.AppendAsync(BoxHistory, failed, ct);
            throw;
        }
    }

    /// <summary>The HMAC key naming objects, made once and kept root-only in the state folder (so it is in every set too).</summary>
    private async Task<byte[]> NamingKeyAsync(CancellationToken ct)
    {
        var path = Local(NamingKeyFile);
        if (File.Exists(path)) return Convert.FromBase64String((await File.ReadAllTextAsync(path, ct)).Trim());
        var key = RandomNumberGenerator.GetBytes(32);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        await using (var file = new FileStream(path, options))
        await using (var writer = new StreamWriter(file))
            await writer.WriteAsync(Convert.ToBase64String(key));
        return key;
    }
}
