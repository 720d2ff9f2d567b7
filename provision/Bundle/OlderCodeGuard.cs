using Appliance.Backup;
using Appliance.Exec;
using Appliance.Provision.Apply;
using Appliance.Provision.Backup;
using Appliance.Provision.Desired;
using Appliance.Provision.Targets;
using Microsoft.Data.Sqlite;

namespace Appliance.Provision.Bundle;

/// <summary>
/// Schema migrations only run forward: an agent older than its data cannot read it. Before apply or
/// rollback installs a bundle, the data's schema on the box is compared with what the bundle's code
/// knows; older code is refused before anything changes, with the way back — the newest backup set
/// whose data the bundle can read, and the command that restores it.
/// </summary>
public static class OlderCodeGuard
{
    /// <exception cref="TargetRefusedException">the bundle's code is older than the box's data, or does not say what it reads</exception>
    public static async Task EnsureBundleReadsDataAsync(ProvisioningSession session, Plan plan, CancellationToken ct)
    {
        if (session.Bundle is not { } bundle || !plan.Pending.Any(c => c.Steps.OfType<ShipBundle>().Any())) return;
        var layout = Layout.From(session.Config);
        var known = DataSchema.ReadFromBundle(bundle);
        if (known is null)
        {
            if (await HoldsDataAsync(session.Target, layout, ct))
                throw new TargetRefusedException($"the agent bundle {bundle} does not say which data schema its code reads (it has no {DataSchema.FileName}: built before bundles stated it), "
                    + $"and the box holds data in {layout.Data}; nothing was changed. Rebuild the bundle with `provision bundle`.");
            return;
        }
        var data = await ReadAsync(session.Target, layout, known.Stores.Keys, ct);
        var newer = known.OlderThan(data);
        if (newer.Count == 0) return;
        var stores = string.Join(", ", newer.Select(n => $"{n.Store} is at schema {n.Data}, the bundle's code reads up to {n.Known}"));
        throw new TargetRefusedException($"refused: the data on the box is newer than the agent bundle {bundle} ({stores}). "
            + "A newer agent migrated it forward and older code cannot read it; nothing was changed. " + WayBack(session, known, data));
    }

    /// <summary>The versions of the named stores in the box's data folder (a store not there yet is left out).</summary>
    public static async Task<DataSchema> ReadAsync(ITarget target, Layout layout, IEnumerable<string> stores, CancellationToken ct)
    {
        var versions = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var store in stores)
            if (await VersionAsync(target, layout.Data + "/" + store, ct) is { } version) versions[store] = version;
        return new DataSchema(versions);
    }

    private static async Task<int?> VersionAsync(ITarget target, string database, CancellationToken ct)
    {
        if (LocalPath(target, database) is not { } local)
        {
            // Over SSH the box's own sqlite3 reads it (root, read-only: the serving agent is not disturbed).
            var read = await target.RunAsync(Command.Of(MacTools.Sqlite3, "-readonly", database, "PRAGMA user_version;"), ct);
            if (!read.Succeeded)
                return read.StandardError.Contains("unable to open", StringComparison.Ordinal) ? null
                    : throw new TargetRefusedException($"cannot read the schema version of {database} on the box: {read.StandardError.Trim()}");
            return int.Parse(read.StandardOutput.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        if (!File.Exists(local)) return null;
        await using var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = local, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await db.OpenAsync(ct);
        await using var command = db.CreateCommand();
        command.CommandText = "PRAGMA user_version";
        return Convert.ToInt32(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<bool> HoldsDataAsync(ITarget target, Layout layout, CancellationToken ct)
    {
        if (LocalPath(target, layout.Data) is { } local)
            return Directory.Exists(local) && Directory.EnumerateFiles(local, "*.db").Any();
        var list = await target.RunAsync(Command.Of(MacTools.Ls, layout.Data), ct);
        return list.Succeeded && list.StandardOutput.Split('\n').Any(f => f.Trim().EndsWith(".db", StringComparison.Ordinal));
    }

    private static string? LocalPath(ITarget target, string boxPath) => target switch
    {
        SandboxTarget sandbox => sandbox.HostPath(boxPath),
        LocalTarget => boxPath,
        _ => null,
    };

    /// <summary>The newest set on the destination whose data the bundle reads, and how to restore it.</summary>
    private static string WayBack(ProvisioningSession session, DataSchema known, DataSchema data)
    {
        var stay = $"To keep the data as it is, apply a bundle that reads {data} instead.";
        if (session.Config.Backup.Destination is null)
            return $"No backup destination is configured, so there is no earlier copy of the data to go back to. {stay}";
        if (LocalPath(session.Target, session.Config.Backup.Destination) is null)
            return $"The way back is the backup taken before the upgrade: on the box, `sudo provision backup list --target local` shows each set's data schema; "
                + $"restore the newest set at {known} or older with `provision backup restore --key OFFICE_KEY --set ID --into EMPTY_FOLDER`. {stay}";
        var backups = BoxBackup.For(session.Config, session.Target);
        var set = BackupSets.List(backups.HostFolder).LastOrDefault(s => s.Summary?.DataSchema is { } schema
            && new DataSchema(BoxBackup.DataStores(schema)).ReadableBy(known));
        if (set?.Summary is not { } summary)
            return $"No backup set in {backups.HostFolder} holds data this bundle can read. {stay}";
        return $"The way back is the backup taken before the upgrade: set {set.Id} ({summary.Created:yyyy-MM-dd HH:mm} UTC, {new DataSchema(BoxBackup.DataStores(summary.DataSchema!))}). "
            + $"Restore it with `provision backup restore --set {set.Id} --key OFFICE_KEY --into EMPTY_FOLDER`, stop the agent, put the restored data/ "
            + $"in place of {Layout.From(session.Config).Data}, then apply this bundle again (what changed after {summary.Created:yyyy-MM-dd HH:mm} UTC is not in that set). {stay}";
    }
}
