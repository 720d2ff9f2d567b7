using System.CommandLine;
using Appliance.Backup;
using Appliance.Config;
using Appliance.Provision.Backup;
using Appliance.Provision.Targets;

namespace Appliance.Provision.Cli;

/// <summary>`provision backup keygen|now|list|verify|restore`: encrypted backup sets of everything the box alone holds.</summary>
internal static class BackupCommands
{
    public static Command Create()
    {
        var command = new Command("backup", """
            Encrypted backups (see backup: in appliance.yaml). `now` runs on the box as root and writes one
            set to the destination; only the office's private key (from `keygen`, kept off the box) can
            `verify` or `restore` one. Exit codes: 0 done, 1 failed (the reason is printed).
            """);
        command.Subcommands.Add(Keygen());
        command.Subcommands.Add(Now());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Check("verify", "decrypt every file of a set and compare it with the signed manifest; names any damaged file", restore: false));
        command.Subcommands.Add(Check("restore", "restore a set into an empty folder (a sandbox or a fresh box's storage root): root/, data/ and state/ parts, each file checked", restore: true));
        return command;
    }

    private static Command Keygen()
    {
        var output = new Option<FileInfo>("--out") { Description = "where to write the private key (owner-only); keep it off the box", Required = true };
        var command = new Command("keygen", "make the office's backup key pair: prints the public key for backup.public_key") { output };
        command.SetAction(parse =>
        {
            var file = parse.GetValue(output)!;
            if (file.Exists)
            {
                new Terminal().Error($"provision backup keygen: {file.FullName} exists; a key is never overwritten");
                return StateCommands.Failed;
            }
            var key = OfficeBackupKey.Create();
            key.Save(file.FullName);
            Console.WriteLine($"private key: {file.FullName} (keep it off the box: whoever holds it can read every backup)");
            Console.WriteLine($"add to appliance.yaml under backup:\n  public_key: \"{key.Public.ToConfigString()}\"");
            return StateCommands.Ok;
        });
        return command;
    }

    private static Command Now()
    {
        var (config, target) = (CommonOptions.ConfigFile(), CommonOptions.Target());
        var command = new Command("now", "back up the box now (what the nightly job does after the audit pack)") { config, target };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(config)!, parse.GetValue(target)!, "now", async (box, terminal) =>
        {
            var result = await box.NowAsync(TimeProvider.System, ct);
            foreach (var removed in result.RemovedHalfWritten) terminal.Line($"removed the half-written set {removed} (a run that was stopped)");
            Console.WriteLine(Describe(result));
            if (result.Pruned.Count > 0) Console.WriteLine($"  removed by retention: {string.Join(", ", result.Pruned)}");
            return StateCommands.Ok;
        }, ct));
        return command;
    }

    private static Command List()
    {
        var (config, target) = (CommonOptions.ConfigFile(), CommonOptions.Target());
        var command = new Command("list", "list the sets on the destination (no key needed)") { config, target };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(config)!, parse.GetValue(target)!, "list", (box, terminal) =>
        {
            foreach (var half in BackupSets.HalfWritten(box.HostFolder)) terminal.Line($"{half}  half-written (removed by the next backup)");
            foreach (var set in BackupSets.List(box.HostFolder))
                Console.WriteLine(set.Summary is { } s ? $"{s.Id}  {s.Files} files  {Size(s.Bytes)}  sealed for {s.Recipient}{Schema(s)}" : $"{set.Id}  (summary unreadable)");
            var events = BackupHistory.Read(box.BoxHistory, box.DestinationHistory);
            Console.WriteLine($"last successful backup: {When(BackupHistory.LastSucceeded(events, BackupActivity.Backup))}");
            Console.WriteLine($"last verified restore: {When(BackupHistory.LastSucceeded(events, BackupActivity.Verify, BackupActivity.Restore))}");
            return Task.FromResult(StateCommands.Ok);
        }, ct));
        return command;
    }

    private static Command Check(string name, string description, bool restore)
    {
        var (config, target) = (CommonOptions.ConfigFile(), CommonOptions.Target());
        var key = new Option<FileInfo>("--key") { Description = "the office's private key file (from keygen)", Required = true };
        var setOption = new Option<string?>("--set") { Description = "the set's id (default: the newest)" };
        var into = new Option<DirectoryInfo?>("--into") { Description = "an empty folder to restore into", Required = restore };
        var command = new Command(name, description) { config, target, key, setOption };
        if (restore) command.Options.Add(into);
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(config)!, parse.GetValue(target)!, name, async (box, terminal) =>
        {
            var office = OfficeBackupKey.Load(parse.GetValue(key)!.FullName);
            var sets = BackupSets.List(box.HostFolder);
            var wanted = parse.GetValue(setOption);
            var set = wanted is null ? sets.LastOrDefault() : sets.FirstOrDefault(s => s.Id == wanted);
            if (set is null)
            {
                terminal.Error($"provision backup {name}: {(wanted is null ? "no complete set" : $"no set {wanted}")} in {box.HostFolder}");
                return StateCommands.Failed;
            }
            SetCheck check;
            if (restore)
            {
                var folder = parse.GetValue(into)!;
                if (folder.Exists && folder.EnumerateFileSystemInfos().Any())
                {
                    terminal.Error($"provision backup restore: {folder.FullName} is not empty (restore into an empty folder; move the old data away first)");
                    return StateCommands.Failed;
                }
                check = await new BackupReader(office).RestoreAsync(set, box.HostFolder, new Dictionary<string, string>
                {
                    ["root"] = folder.FullName, [BoxBackup.DataPart] = Path.Combine(folder.FullName, BoxBackup.DataPart), ["state"] = Path.Combine(folder.FullName, "state"),
                }, ct);
            }
            else check = await new BackupReader(office).VerifyAsync(set, box.HostFolder, ct);
            await BackupHistory.AppendAsync(box.DestinationHistory, new BackupEvent(restore ? BackupActivity.Restore : BackupActivity.Verify,
                check.Ok ? BackupOutcome.Succeeded : BackupOutcome.Failed, DateTimeOffset.UtcNow, box.Config.Backup.Destination!, set.Id,
                check.BytesChecked, check.Seconds, check.Ok ? null : string.Join("; ", check.Problems)), ct);
            foreach (var problem in check.Problems) terminal.Error(problem.ToString());
            Console.WriteLine($"{name} {set.Id}: {check.FilesChecked} files, {Size(check.BytesChecked)} in {check.Seconds:0.##} s — {(check.Ok ? "every file matches the signed manifest" : $"{check.Problems.Count} problem(s)")}");
            return check.Ok ? StateCommands.Ok : StateCommands.Failed;
        }, ct));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo config, string target, string verb, Func<BoxBackup, Terminal, Task<int>> action, CancellationToken ct)
    {
        var terminal = new Terminal();
        try
        {
            await using var session = await ProvisioningSession.OpenAsync(config.FullName, target, new SessionOptions(), ct);
            terminal.SimulatedBanner(session.Target.IsSimulated, session.Target.Description);
            return await action(BoxBackup.For(session.Config, session.Target), terminal);
        }
        catch (InvalidConfigException e)
        {
            foreach (var error in e.Errors) terminal.Error(error.ToString());
            return StateCommands.Failed;
        }
        catch (Exception e) when (e is BackupFailedException or TargetRefusedException or TargetUnreachableException or InvalidDataException or IOException)
        {
            terminal.Error($"provision backup {verb}: {e.Message}");
            return StateCommands.Failed;
        }
    }

    /// <summary>One written set as `backup now` and the nightly job print it.</summary>
    internal static string Describe(BackupResult result) =>
        $"backup {result.Set.Id}: {result.Set.Files} files, {Size(result.Set.Bytes)} ({Size(result.Set.WrittenBytes)} new) in {result.Set.Seconds:0.##} s → {result.Folder}";

    private static string Schema(SetSummary set) => set.DataSchema is { Count: > 0 } schema
        ? "  data: " + new Bundle.DataSchema(BoxBackup.DataStores(schema))
        : "";

    private static string When(BackupEvent? e) => e is null ? "never" : $"{e.At:yyyy-MM-dd HH:mm} UTC ({e.Set})";

    private static string Size(long bytes) => bytes >= 1 << 20 ? $"{bytes / 1048576.0:0.0} MB" : $"{bytes / 1024.0:0.0} KB";
}
