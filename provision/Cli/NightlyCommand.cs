using System.CommandLine;
using System.Text.Json;
using Appliance.Audit.Pack;
using Appliance.Config;
using Appliance.Backup;
using Appliance.Provision.AuditPack;
using Appliance.Provision.Backup;
using Appliance.Provision.Controls;
using Appliance.Provision.Desired;
using Appliance.Provision.Targets;

namespace Appliance.Provision.Cli;

/// <summary>`provision nightly`: what the nightly LaunchDaemon runs as root — verify, then a signed pack shelved for the DPO.</summary>
internal static class NightlyCommand
{
    public static Command Create()
    {
        var config = CommonOptions.ConfigFile();
        var target = CommonOptions.Target();
        var sshConfig = CommonOptions.SshConfig();
        var modelsFrom = CommonOptions.ModelsFrom();
        var json = CommonOptions.Json();
        var evidence = new Option<FileInfo?>("--evidence") { Description = $"also write the verify result here as JSON (schema {VerifyReport.Schema})" };
        var command = new Command("nightly", $"""
            The nightly job (LaunchDaemon com.appliance.verify, {PackShelf.NightlyTime}, as root): verify every control,
            then build a signed audit pack of the last 30 days — with the usage evidence the agent
            exported — and shelve it in DATA/{PackShelf.RelativeFolder} on the box, where the agent offers it
            to the DPO (web page, GET /api/audit/packs). Keeps the newest {PackShelf.Keep}. Run it by hand
            (sudo) to get a pack now. Then, when backup.schedule is nightly, one encrypted backup set
            to backup.destination. Exit codes: 0 all controls pass, the pack is shelved and the backup
            written, 1 a control fails (the pack is shelved anyway: it says so), the pack could not be
            made or the backup failed (recorded in the box's backup history).
            """) { config, target, sshConfig, modelsFrom, evidence, json };
        command.SetAction(async (parse, ct) =>
        {
            var terminal = new Terminal();
            var work = Directory.CreateTempSubdirectory("appliance-nightly-");
            try
            {
                await using var session = await ProvisioningSession.OpenAsync(parse.GetValue(config)!.FullName, parse.GetValue(target)!,
                    new SessionOptions { SshConfig = parse.GetValue(sshConfig)?.FullName, ModelCache = parse.GetValue(modelsFrom)?.FullName }, ct);
                terminal.SimulatedBanner(session.Target.IsSimulated, session.Target.Description);
                var report = await session.VerifyAsync(ct);
                if (parse.GetValue(evidence) is { } file)
                {
                    file.Directory?.Create();
                    await File.WriteAllTextAsync(file.FullName, report.ToJson(), ct);
                }

                var created = DateTimeOffset.UtcNow;
                var local = Path.Combine(work.FullName, PackShelf.FileName(session.Config.Appliance.Hostname, created));
                var pack = await SignedPack.WriteAsync(session, SignedPack.LastThirtyDays(created), created, local, report, ct);
                var shelved = await PackShelfOnBox.ShelveAsync(session.Target, Layout.From(session.Config), local, ct);
                var excerptKeyCertified = await ExcerptKeyOnBox.CertifyAsync(session.Target, Layout.From(session.Config), ct);
                var usage = pack.Evidence.Usage;
                var backup = await BackUpAsync(session, ct);
                if (parse.GetValue(json))
                {
                    Console.WriteLine(JsonSerializer.Serialize(new
                    {
                        controls_passed = report.Passed, controls_failed = report.Failed, pack = shelved.Path, removed = shelved.Removed,
                        period = pack.Evidence.Pack.Period, key_fingerprint = pack.Key.Fingerprint, usage = usage.Summary(),
                        queries = usage.TotalQueries, query_log_chain_intact = usage.QueryLogChain.Intact, simulated = pack.Evidence.Pack.Simulated,
                        backup = backup.Line,
                    }, JsonOptions.Indented));
                }
                else
                {
                    Console.WriteLine($"verify: {report.Passed} controls pass, {report.Failed} fail{(report.Failed == 0 ? "" : ": " + string.Join(", ", report.Results.Where(r => !r.Passed).Select(r => r.Control.Id)))}");
                    Console.WriteLine($"audit pack shelved: {shelved.Path} (period {pack.Evidence.Pack.Period}, signed with {pack.Key.Fingerprint})");
                    Console.WriteLine($"  {usage.Summary()}");
                    Console.WriteLine($"  query-log chain: {(usage.QueryLogChain.Intact ? "intact — " : "")}{usage.QueryLogChain.Detail}");
                    Console.WriteLine($"  erasure log: {pack.Evidence.Erasures.Count} erasure(s) in the period");
                    Console.WriteLine($"  contents: {string.Join(", ", Appliance.Audit.Text.PackText.For(session.Config.Privacy.ReportLanguage).Sections().Select((t, i) => $"{i + 1}. {t}"))}");
                    Console.WriteLine(excerptKeyCertified ? "  the agent's excerpt key is certified (signed query-log excerpts on the DPO's page)"
                        : "  the agent has no excerpt key yet (it makes one at its first start): signed excerpts wait for the next night");
                    if (shelved.Removed.Count > 0) Console.WriteLine($"  removed older packs: {string.Join(", ", shelved.Removed)}");
                    if (backup.Succeeded) Console.WriteLine(backup.Line);
                }
                if (!backup.Succeeded) terminal.Error($"provision nightly: {backup.Line}");
                return report.Failed == 0 && backup.Succeeded ? StateCommands.Ok : StateCommands.Failed;
            }
            catch (InvalidConfigException e)
            {
                foreach (var error in e.Errors) terminal.Error(error.ToString());
                return StateCommands.Failed;
            }
            catch (Exception e) when (e is TargetRefusedException or TargetUnreachableException or InvalidDataException or IOException
                                          or FormatException or Appliance.Exec.CommandException)
            {
                terminal.Error($"provision nightly: {e.Message}");
                return StateCommands.Failed;
            }
            finally
            {
                work.Delete(recursive: true);
            }
        });
        return command;
    }

    /// <summary>What the nightly backup did, as one line for the job's log.</summary>
    private sealed record NightlyBackup(bool Succeeded, string Line);

    /// <summary>
    /// After the pack, so a slow or unplugged disk never costs the DPO a pack. A failure is recorded
    /// in the box's history (the next verify's backup.recent shows it) and fails the job.
    /// </summary>
    private static async Task<NightlyBackup> BackUpAsync(ProvisioningSession session, CancellationToken ct)
    {
        var settings = session.Config.Backup;
        if (settings.Destination is null) return new(true, "backup: not configured (backup.destination)");
        if (settings.Schedule != BackupSchedule.Nightly) return new(true, "backup: schedule is manual (provision backup now)");
        try
        {
            var result = await BoxBackup.For(session.Config, session.Target).NowAsync(TimeProvider.System, ct);
            return new(true, BackupCommands.Describe(result));
        }
        catch (Exception e) when (e is BackupFailedException or TargetRefusedException or IOException)
        {
            return new(false, $"backup failed: {e.Message}");
        }
    }
}
