using Appliance.Audit.Evidence;
using Appliance.Provision.AuditPack;
using System.Diagnostics;
using Appliance.Backup;
using Microsoft.Data.Sqlite;


namespace Appliance.Provision.Tests;

/// <summary>`provision backup` on a sandbox box: keygen, now, list, verify, restore; a run killed with -9 loses nothing.</summary>
public sealed class BackupCliTests
{
    private const string Destination = "/Volumes/Backup";

    [Fact]
    public async Task A_set_is_written_listed_verified_and_restored_and_a_flipped_byte_is_named()
    {
        using var box = BoxWithBackups(out var keyFile);
        var now = await CliTests.Provision("backup", "now", "-c", box.ConfigFile, "--target", box.Target);
        Assert.True(now.ExitCode == 0, now.StandardError + now.StandardOutput);
        Assert.Contains("SIMULATED", now.StandardOutput.ToUpperInvariant());
        Assert.Matches(@"backup \d{8}T\d{6}Z: \d+ files", now.StandardOutput);

        var list = await CliTests.Provision("backup", "list", "-c", box.ConfigFile, "--target", box.Target);
        Assert.Contains("last successful backup: 20", list.StandardOutput);
        Assert.Contains("last verified restore: never", list.StandardOutput);

        var verify = await CliTests.Provision("backup", "verify", "-c", box.ConfigFile, "--target", box.Target, "--key", keyFile);
        Assert.True(verify.ExitCode == 0, verify.StandardError + verify.StandardOutput);
        Assert.Contains("every file matches the signed manifest", verify.StandardOutput);
        Assert.Contains("last verified restore: 20", (await CliTests.Provision("backup", "list", "-c", box.ConfigFile, "--target", box.Target)).StandardOutput);

        var into = Path.Combine(box.Folder, "restored");
        var restore = await CliTests.Provision("backup", "restore", "-c", box.ConfigFile, "--target", box.Target, "--key", keyFile, "--into", into);
        Assert.True(restore.ExitCode == 0, restore.StandardError + restore.StandardOutput);
        Assert.Equal(File.ReadAllBytes(box.HostPath(Layout + "/data.noindex/uploads/hr/Vertrag Müller.pdf")),
            File.ReadAllBytes(Path.Combine(into, "data", "uploads", "hr", "Vertrag Müller.pdf")));
        Assert.True(File.Exists(Path.Combine(into, "appliance.yaml")) || File.Exists(Path.Combine(into, "state", "journal.jsonl")));
        Assert.Equal(File.ReadAllText(box.HostPath("/var/db/appliance/journal.jsonl")), File.ReadAllText(Path.Combine(into, "state", "journal.jsonl")));
        Assert.False(Directory.Exists(Path.Combine(into, "models")));
        await using (var restored = new SqliteConnection($"Data Source={Path.Combine(into, "data", "agent.db")};Pooling=False"))
        {
            await restored.OpenAsync();
            using var count = restored.CreateCommand();
            count.CommandText = "SELECT count(*) FROM users";
            Assert.Equal(3L, (long)(await count.ExecuteScalarAsync())!);
        }
        var again = await CliTests.Provision("backup", "restore", "-c", box.ConfigFile, "--target", box.Target, "--key", keyFile, "--into", into);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("is not empty", again.StandardOutput + again.StandardError);

        var hostFolder = box.HostPath(Destination + "/ai-box.berger.lan");
        var set = BackupSets.List(hostFolder).Single();
        var upload = File.ReadAllLines(Path.Combine(set.Folder, SetFiles.Objects)).Select(o => SetFiles.ObjectPath(hostFolder, o))
            .MaxBy(p => new FileInfo(p).Length)!;
        var bytes = File.ReadAllBytes(upload);
        bytes[bytes.Length - 20] ^= 0x01;
        File.WriteAllBytes(upload, bytes);
        var damaged = await CliTests.Provision("backup", "verify", "-c", box.ConfigFile, "--target", box.Target, "--key", keyFile);
        Assert.Equal(1, damaged.ExitCode);
        Assert.Contains("data/uploads/hr/Vertrag Müller.pdf", damaged.StandardOutput + damaged.StandardError);
        Assert.Contains("1 problem(s)", damaged.StandardOutput);
    }

    [Fact]
    public async Task A_backup_killed_with_signal_9_leaves_earlier_sets_valid_and_the_next_run_removes_its_half()
    {
        using var box = BoxWithBackups(out var keyFile);
        Assert.Equal(0, (await CliTests.Provision("backup", "now", "-c", box.ConfigFile, "--target", box.Target)).ExitCode);
        var hostFolder = box.HostPath(Destination + "/ai-box.berger.lan");

        // A named pipe nobody writes to holds the run at that file, half-way through its set.
        var fifo = box.HostPath(Layout + "/data.noindex/uploads/hr/stuck");
        Assert.Equal(0, (await new Appliance.Exec.LocalCommandRunner().RunAsync(Appliance.Exec.Command.Of("mkfifo", fifo))).ExitCode);
        using var run = Process.Start(new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "provision.dll"), "backup", "now", "-c", box.ConfigFile, "--target", box.Target])
            { RedirectStandardOutput = true, RedirectStandardError = true })!;
        try
        {
            await Eventually(() => BackupSets.HalfWritten(hostFolder).Count == 1, TimeSpan.FromSeconds(60), "the second run starts its set");
        }
        finally
        {
            run.Kill(entireProcessTree: true);
            await run.WaitForExitAsync();
        }
        File.Delete(fifo);

        var list = await CliTests.Provision("backup", "list", "-c", box.ConfigFile, "--target", box.Target);
        Assert.Contains("half-written", list.StandardOutput);
        Assert.True((await CliTests.Provision("backup", "verify", "-c", box.ConfigFile, "--target", box.Target, "--key", keyFile)).ExitCode == 0);
        var next = await CliTests.Provision("backup", "now", "-c", box.ConfigFile, "--target", box.Target);
        Assert.True(next.ExitCode == 0, next.StandardError);
        Assert.Contains("removed the half-written set", next.StandardOutput);
        Assert.Empty(BackupSets.HalfWritten(hostFolder));
        Assert.Equal(0, (await CliTests.Provision("backup", "verify", "-c", box.ConfigFile, "--target", box.Target, "--key", keyFile)).ExitCode);
    }

    [Fact]
    public async Task An_unplugged_destination_is_a_clear_error_recorded_on_the_box_and_the_next_run_succeeds()
    {
        using var box = BoxWithBackups(out _);
        Directory.Delete(box.HostPath(Destination));
        var failed = await CliTests.Provision("backup", "now", "-c", box.ConfigFile, "--target", box.Target);
        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("is not there (is the disk plugged in", failed.StandardOutput + failed.StandardError);
        Assert.False(Directory.Exists(box.HostPath(Destination)));
        Assert.Contains("\"failed\"", File.ReadAllText(box.HostPath("/var/db/appliance/backup/history.jsonl")));

        Directory.CreateDirectory(box.HostPath(Destination));
        Assert.Equal(0, (await CliTests.Provision("backup", "now", "-c", box.ConfigFile, "--target", box.Target)).ExitCode);
    }

    [Fact]
    public async Task Nightly_shelves_the_pack_then_writes_a_set_and_verify_then_passes_backup_recent()
    {
        using var box = BoxWithBackups(out var keyFile);
        File.Delete(box.HostPath("/var/db/appliance/journal.jsonl"));  // the pack reads a real journal: apply writes one
        var apply = await CliTests.Provision("apply", "-c", box.ConfigFile, "--target", box.Target, "--models-from", box.ModelCache, "--yes");
        Assert.True(apply.ExitCode == 0, apply.StandardOutput + apply.StandardError);
        var nightly = await CliTests.ProvisionAsShipped("nightly", "-c", box.ConfigFile, "--target", box.Target, "--models-from", box.ModelCache);
        Assert.True(nightly.StandardOutput.Contains("audit pack shelved:"), nightly.StandardOutput + nightly.StandardError);
        Assert.Matches(@"backup \d{8}T\d{6}Z: \d+ files", nightly.StandardOutput);
        var set = Assert.Single(BackupSets.List(box.HostPath(Destination + "/ai-box.berger.lan")));

        var verify = await VerifyAsync(box);
        Assert.True(verify["backup.recent"].Passed, verify["backup.recent"].Observed);
        Assert.StartsWith($"0 h old: backup of set {set.Id} on {Destination} at 20", verify["backup.recent"].Observed);
        Assert.False(verify["backup.restore-drill"].Passed);
        Assert.StartsWith("never", verify["backup.restore-drill"].Observed);

        Assert.Equal(0, (await CliTests.Provision("backup", "verify", "-c", box.ConfigFile, "--target", box.Target, "--key", keyFile)).ExitCode);
        var drilled = await VerifyAsync(box);
        Assert.True(drilled["backup.restore-drill"].Passed, drilled["backup.restore-drill"].Observed);
        Assert.StartsWith($"0 days old: verify of set {set.Id}", drilled["backup.restore-drill"].Observed);
    }

    [Fact]
    public async Task A_backup_older_than_36_hours_and_a_drill_older_than_30_days_fail_their_controls_and_an_unplugged_disk_still_shows_the_box_history()
    {
        using var box = BoxWithBackups(out _);
        var now = DateTimeOffset.UtcNow;
        await BackupHistory.AppendAsync(box.HostPath("/var/db/appliance/backup/history.jsonl"),
            new BackupEvent(BackupActivity.Backup, BackupOutcome.Succeeded, now.AddHours(-37), Destination, "old", 1, 1, null), CancellationToken.None);
        await BackupHistory.AppendAsync(box.HostPath("/var/db/appliance/backup/history.jsonl"),
            new BackupEvent(BackupActivity.Backup, BackupOutcome.Failed, now.AddHours(-1), Destination, null, 0, 1, "disk full"), CancellationToken.None);
        await BackupHistory.AppendAsync(box.HostPath(Destination + "/ai-box.berger.lan/history.jsonl"),
            new BackupEvent(BackupActivity.Restore, BackupOutcome.Succeeded, now.AddDays(-31), Destination, "old", 1, 1, null), CancellationToken.None);

        var stale = await VerifyAsync(box);
        Assert.False(stale["backup.recent"].Passed);
        Assert.StartsWith("37 h old: backup of set old", stale["backup.recent"].Observed);
        Assert.False(stale["backup.restore-drill"].Passed);
        Assert.StartsWith("31 days old: restore of set old", stale["backup.restore-drill"].Observed);
        // The audit pack's backup section reads the same histories and says the same.
        var section = await PackBackupAsync(box);
        Assert.Equal((Destination, "old", BackupRecordKind.Restore, "disk full"),
            (section.Destination, section.LastBackup?.Set, section.LastRestoreDrill?.Kind, section.LastFailure?.Detail));

        await BackupHistory.AppendAsync(box.HostPath("/var/db/appliance/backup/history.jsonl"),
            new BackupEvent(BackupActivity.Backup, BackupOutcome.Succeeded, now.AddHours(-35.5), Destination, "fresh", 1, 1, null), CancellationToken.None);
        Directory.Delete(box.HostPath(Destination), recursive: true);
        var unplugged = await VerifyAsync(box);
        Assert.True(unplugged["backup.recent"].Passed, unplugged["backup.recent"].Observed);
        Assert.StartsWith("35 h old: backup of set fresh", unplugged["backup.recent"].Observed);
        Assert.StartsWith("never", unplugged["backup.restore-drill"].Observed);
        Assert.False(unplugged["backup.restore-drill"].Passed);
        var unpluggedSection = await PackBackupAsync(box);
        Assert.Equal(("fresh", null), (unpluggedSection.LastBackup?.Set, unpluggedSection.LastRestoreDrill));
    }

    private static async Task<BackupFacts> PackBackupAsync(TestBox box)
    {
        await using var session = await box.OpenAsync();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        return (await AuditInputsCollector.CollectAsync(session, new AuditPeriod(today, today), DateTimeOffset.UtcNow, CancellationToken.None)).Backup;
    }

    [Fact]
    public async Task Preflight_warns_when_the_backup_disk_is_not_mounted()
    {
        using var box = BoxWithBackups(out _);
        await using (var session = await box.OpenAsync())
            Assert.Equal(Preflight.Severity.Ok, Assert.Single(await session.PreflightAsync(CancellationToken.None), f => f.Check == Preflight.PreflightChecks.BackupDestinationCheck).Severity);
        Directory.Delete(box.HostPath(Destination));
        await using (var session = await box.OpenAsync())
        {
            var finding = Assert.Single(await session.PreflightAsync(CancellationToken.None), f => f.Check == Preflight.PreflightChecks.BackupDestinationCheck);
            Assert.Equal(Preflight.Severity.Warning, finding.Severity);
            Assert.Contains("/Volumes/Backup is not mounted", finding.Observed);
        }
    }

    [Fact]
    public async Task A_new_agent_bundle_on_a_box_with_data_is_applied_only_after_a_backup_and_an_unplugged_disk_stops_it_before_any_change()
    {
        using var box = BoxWithBackups(out _);
        File.Delete(box.HostPath("/var/db/appliance/journal.jsonl"));
        var hostFolder = box.HostPath(Destination + "/ai-box.berger.lan");
        var first = await ApplyBundleAsync(box, "1");
        Assert.True(first.ExitCode == 0, first.StandardOutput + first.StandardError);
        Assert.DoesNotContain("pre-upgrade backup", first.StandardOutput);  // a fresh box has nothing to lose yet
        Assert.Empty(BackupSets.List(hostFolder));

        var upgrade = await ApplyBundleAsync(box, "2");
        Assert.True(upgrade.ExitCode == 0, upgrade.StandardOutput + upgrade.StandardError);
        var set = Assert.Single(BackupSets.List(hostFolder));
        Assert.Contains($"pre-upgrade backup {set.Id} (restore it with `provision backup restore --set {set.Id}`", upgrade.StandardOutput);
        Assert.Equal("agent 2", File.ReadAllText(box.HostPath(Layout + "/bin/appliance")));

        Directory.Delete(box.HostPath(Destination), recursive: true);
        var refused = await ApplyBundleAsync(box, "3");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("the backup before the new agent bundle failed, so nothing was changed", refused.StandardOutput + refused.StandardError);
        Assert.Equal("agent 2", File.ReadAllText(box.HostPath(Layout + "/bin/appliance")));
    }

    [Fact]
    public async Task A_bundle_older_than_the_data_schema_is_refused_and_the_pre_upgrade_set_is_named_as_the_way_back()
    {
        using var box = BoxWithBackups(out var keyFile);
        File.Delete(box.HostPath("/var/db/appliance/journal.jsonl"));
        var hostFolder = box.HostPath(Destination + "/ai-box.berger.lan");
        var library = box.HostPath(Layout + "/data.noindex/library.db");
        SetSchema(library, 5);  // the index as the installed agent (schema 5) wrote it
        var first = await ApplyBundleAsync(box, "1", librarySchema: 5);
        Assert.True(first.ExitCode == 0, first.StandardOutput + first.StandardError);

        var upgrade = await ApplyBundleAsync(box, "2", librarySchema: 6);
        Assert.True(upgrade.ExitCode == 0, upgrade.StandardOutput + upgrade.StandardError);
        var preUpgrade = Assert.Single(BackupSets.List(hostFolder));
        Assert.Equal(5, preUpgrade.Summary!.DataSchema!["data/library.db"]);
        Assert.Contains("data: library.db schema 5", (await CliTests.Provision("backup", "list", "-c", box.ConfigFile, "--target", box.Target)).StandardOutput);
        SetSchema(library, 6);  // the new agent started and migrated the index forward

        var back = await ApplyBundleAsync(box, "1", librarySchema: 5);
        var said = back.StandardOutput + back.StandardError;
        Assert.Equal(1, back.ExitCode);
        Assert.Contains("refused: the data on the box is newer than the agent bundle", said);
        Assert.Contains("library.db is at schema 6, the bundle's code reads up to 5", said);
        Assert.Contains($"set {preUpgrade.Id}", said);
        Assert.Contains($"`provision backup restore --set {preUpgrade.Id} --key OFFICE_KEY --into EMPTY_FOLDER`", said);
        Assert.Equal("agent 2", File.ReadAllText(box.HostPath(Layout + "/bin/appliance")));
        Assert.Single(BackupSets.List(hostFolder));  // refused before the pre-upgrade backup: nothing was written either

        var rollback = await CliTests.Provision("rollback", "-c", box.ConfigFile, "--target", box.Target, "--models-from", box.ModelCache,
            "--bundle", Path.Combine(box.Folder, "bundle-1"), "--yes");
        Assert.Equal(1, rollback.ExitCode);
        Assert.Contains("library.db is at schema 6, the bundle's code reads up to 5", rollback.StandardOutput + rollback.StandardError);

        var unstated = await ApplyBundleAsync(box, "0", librarySchema: null);
        Assert.Equal(1, unstated.ExitCode);
        Assert.Contains("does not say which data schema its code reads", unstated.StandardOutput + unstated.StandardError);

        // The way back, as the message says: restore the pre-upgrade set, put its data in place, apply the older bundle.
        var into = Path.Combine(box.Folder, "restored");
        var restore = await CliTests.Provision("backup", "restore", "-c", box.ConfigFile, "--target", box.Target, "--key", keyFile, "--set", preUpgrade.Id, "--into", into);
        Assert.True(restore.ExitCode == 0, restore.StandardOutput + restore.StandardError);
        File.Copy(Path.Combine(into, "data", "library.db"), library, overwrite: true);
        var accepted = await ApplyBundleAsync(box, "1", librarySchema: 5);
        Assert.True(accepted.ExitCode == 0, accepted.StandardOutput + accepted.StandardError);
        Assert.Equal("agent 1", File.ReadAllText(box.HostPath(Layout + "/bin/appliance")));
    }

    private static void SetSchema(string database, int version)
    {
        using var db = new SqliteConnection($"Data Source={database};Pooling=False");
        db.Open();
        using var set = db.CreateCommand();
        set.CommandText = $"PRAGMA journal_mode = WAL; CREATE TABLE IF NOT EXISTS documents (id TEXT); PRAGMA user_version = {version};";
        set.ExecuteNonQuery();
    }

    /// <summary>
    /// A stand-in bundle (apply ships whatever the manifest names) applied to the sandbox: the program and
    /// the data schema its code reads, or no statement (a bundle built before bundles stated it).
    /// </summary>
    private static Task<Appliance.Exec.CommandResult> ApplyBundleAsync(TestBox box, string version, int? librarySchema = 1)
    {
        var bundle = Path.Combine(box.Folder, "bundle-" + version);
        Directory.CreateDirectory(bundle);
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["appliance"] = "agent " + version };
        if (librarySchema is { } schema) files[Bundle.DataSchema.FileName] = $$$"""{"stores": {"library.db": {{{schema}}}}}""";
        foreach (var (name, text) in files) File.WriteAllText(Path.Combine(bundle, name), text);
        File.WriteAllText(Path.Combine(bundle, "MANIFEST.sha256"), string.Concat(files.Select(f =>
            $"{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(f.Value)))}  {f.Key}\n")));
        return CliTests.Provision("apply", "-c", box.ConfigFile, "--target", box.Target, "--models-from", box.ModelCache, "--bundle", bundle, "--yes");
    }

    private static async Task<Dictionary<string, Controls.ControlResult>> VerifyAsync(TestBox box)
    {
        await using var session = await box.OpenAsync();
        var report = await session.VerifyAsync(CancellationToken.None);
        return report.Results.Where(r => r.Control.Id.StartsWith("backup.", StringComparison.Ordinal)).ToDictionary(r => r.Control.Id);
    }

    private const string Layout = "/Library/Application Support/Appliance";

    /// <summary>A sandbox with agent stores, an upload, the provisioner's journal, a backup key and a plugged-in disk.</summary>
    private static TestBox BoxWithBackups(out string keyFile)
    {
        var box = new TestBox("backup");
        keyFile = Path.Combine(box.Folder, "office-backup.key");
        var key = OfficeBackupKey.Create();
        key.Save(keyFile);
        box.WriteConfig(box.BaseConfig() + $"\nbackup:\n  destination: {Destination}\n  public_key: \"{key.Public.ToConfigString()}\"\n");
        Directory.CreateDirectory(box.HostPath(Destination));
        var data = box.HostPath(Layout + "/data.noindex");
        Directory.CreateDirectory(Path.Combine(data, "uploads", "hr"));
        File.WriteAllBytes(Path.Combine(data, "uploads", "hr", "Vertrag Müller.pdf"), System.Security.Cryptography.RandomNumberGenerator.GetBytes(200_000));
        using (var users = new SqliteConnection($"Data Source={Path.Combine(data, "agent.db")};Pooling=False"))
        {
            users.Open();
            using var create = users.CreateCommand();
            create.CommandText = "PRAGMA journal_mode = WAL; CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('boss'), ('clerk'), ('dpo');";
            create.ExecuteNonQuery();
        }
        Directory.CreateDirectory(box.HostPath("/var/db/appliance"));
        File.WriteAllText(box.HostPath("/var/db/appliance/journal.jsonl"), "{\"action\":\"apply\"}\n");
        File.WriteAllText(box.HostPath(Layout + "/appliance.yaml"), File.ReadAllText(box.ConfigFile));
        return box;
    }
}
