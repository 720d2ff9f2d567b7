using Appliance.Backup;
using Appliance.Exec;
using Appliance.Provision.Apply;
using Appliance.Provision.Bundle;
using Appliance.Provision.Desired;
using Appliance.Provision.Targets;

namespace Appliance.Provision.Backup;

/// <summary>
/// A new agent bundle may migrate the data's schema forward, and older code cannot read it back:
/// before apply or rollback replaces the program on a box that already holds data, one backup set
/// is taken, and its id is the way back. No backup, no upgrade: the apply stops before its first change.
/// </summary>
public static class PreUpgradeBackup
{
    /// <returns>the line to show, or null when the plan does not replace the agent program or nothing is installed yet</returns>
    public static async Task<string?> TakeAsync(ProvisioningSession session, Plan plan, CancellationToken ct)
    {
        var layout = Layout.From(session.Config);
        var replacesProgram = plan.Pending.Any(c => c.Steps.OfType<ShipBundle>().Any());
        if (!replacesProgram || (await StateRecord.LoadAsync(session.Target, ct)).Current is null) return null;
        if (session.Config.Backup.Destination is null)
            return "no backup before the new agent bundle: backup.destination is not set (a rollback past a schema change then has nothing to restore)";
        try
        {
            if (session.Target is SshTarget)
            {
                // The box's own provisioner writes the set, beside the disk, as the nightly job does.
                var run = await session.Target.RunAsync(Command.Of(layout.Bin + "/provision", "backup", "now", "-c", layout.ConfigFile, "--target", "local")
                    .WithTimeout(TimeSpan.FromHours(2)), ct);
                if (!run.Succeeded) throw new BackupFailedException((run.StandardError + run.StandardOutput).Trim());
                return "pre-upgrade " + run.StandardOutput.Trim();
            }
            var result = await BoxBackup.For(session.Config, session.Target).NowAsync(TimeProvider.System, ct);
            return $"pre-upgrade backup {result.Set.Id} (restore it with `provision backup restore --set {result.Set.Id}` to go back past a schema change)";
        }
        catch (BackupFailedException e)
        {
            throw new TargetRefusedException($"the backup before the new agent bundle failed, so nothing was changed: {e.Message}");
        }
    }
}
