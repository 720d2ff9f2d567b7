using System.Text;
using Appliance.Audit.Signing;
using Appliance.Provision.Apply;
using Appliance.Provision.Desired;
using Appliance.Provision.Targets;
using Appliance.Provision.Resources;

namespace Appliance.Provision.AuditPack;

/// <summary>
/// The appliance's audit signing key lives on the box, readable by root only. It is created the
/// first time a pack is built, and its fingerprint is written to the provisioning journal so an
/// auditor can compare it with the one printed in every pack.
/// </summary>
public static class AuditKeyOnBox
{
    public const string KeyFile = Layout.StateFolder + "/audit/audit-key";
    public const string PublicKeyFile = KeyFile + ".pub";

    public static async Task<(AuditKey Key, bool Created)> LoadOrCreateAsync(ITarget target, CancellationToken ct)
    {
        if (await target.ReadFileAsync(KeyFile, ct) is { } existing)
            return (AuditKey.Parse(Encoding.UTF8.GetString(existing), $"{KeyFile} on {target.Description}"), false);

        var key = AuditKey.Create();
        var local = Path.Combine(Directory.CreateTempSubdirectory("audit-key").FullName, "audit-key");
        try
        {
            key.Save(local);
            var runner = new StepRunner(target);
            var started = DateTimeOffset.UtcNow;
            StepResult[] steps =
            [
                await runner.RunAsync(new MakeDirectory(Layout.StateFolder + "/audit", "root", "wheel", Modes.FolderOwnerOnly) { Resource = "audit key" }, ct),
                await runner.RunAsync(new WriteFile(KeyFile, await File.ReadAllBytesAsync(local, ct), "root", "wheel", Modes.FileOwnerOnly) { Resource = "audit key" }, ct),
                await runner.RunAsync(new WriteFile(PublicKeyFile, Encoding.UTF8.GetBytes(key.Public.ToText()), "root", "wheel", Modes.FileWorldReads) { Resource = "audit key" }, ct),
            ];
            var failed = steps.FirstOrDefault(s => !s.Succeeded);
            await Journal.AppendAsync(target, new JournalEntry("audit-key", Operator.Current.User, Operator.Current.Host, target.Description,
                started, DateTimeOffset.UtcNow, failed is null ? ApplyResult.Applied : ApplyResult.Failed,
                null, failed?.Detail, steps, failed is null ? $"created audit key {key.Public.Fingerprint}" : null), ct);
            if (failed is not null) throw new IOException($"cannot store the audit key on the box: {failed.Detail}");
            return (key, true);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(local)!, recursive: true);
        }
    }
}
