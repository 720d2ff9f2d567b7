using System.Globalization;
using Appliance.Audit.Evidence;
using Appliance.Backup;
using Appliance.Config;
using Appliance.Exec;
using Appliance.Provision.Apply;
using Appliance.Provision.Desired;
using Appliance.Provision.Firewall;
using Appliance.Provision.Resources;
using Appliance.Provision.Targets;
using M = Appliance.Audit.Evidence.Measures;

namespace Appliance.Provision.Controls;

/// <summary>What a control is about, independent of how its kind reads it back: id, title, why, and the measures it proves.</summary>
public sealed record ControlSpec(string Id, string Title, string Why, IReadOnlyList<MeasureDefinition> Measures);

/// <summary>
/// Every control of the appliance, in one place (the model is mSCP's rule files): id, title, why,
/// the check command that runs, the expected value, the fix, and the Art. 32 measures it proves.
/// `provision verify` and `plan` read the box through these, the evidence JSON and the audit pack's
/// measure table are derived from them, and `provision controls` prints the README's control list
/// from them. The desired state (<see cref="DesiredState"/>) decides which of them a config needs.
/// One file on purpose (a little over 350 lines): a newcomer, or an auditor, reads every control of
/// the box top to bottom here, two hops from `provision verify`.
/// </summary>
public static class ControlCatalogue
{
    // ---- Files, folders, jobs, models: each kind reads back the same way.

    public static readonly ControlSpec AgentConfig = new("file.agent-config", "the agent's appliance.yaml", "the agent reads its whole configuration from this copy", [M.LeastPrivilege]);
    public static readonly ControlSpec PfAnchor = new("file.pf-anchor", "pf anchor file with the appliance rules", "the firewall rules, generated from network:", [M.NetworkIsolation]);
    public static readonly ControlSpec PfUpdateWindow = new("file.pf-update-window", "update-window rules (loaded only during the window)", "macOS updates need egress; only then", [M.NetworkIsolation]);
    public static readonly ControlSpec SshDropIn = new("file.sshd-drop-in", "sshd drop-in (key-only, no root login)", "sorts before Apple's 100-macos.conf; sshd keeps the first value", [M.AdministrativeAccess]);
    public static readonly ControlSpec TlsFolder = new("dir.tls", "TLS folder", "only root and the agent may read the key", [M.LeastPrivilege]);
    public static readonly ControlSpec TlsCertificate = new("file.tls-certificate", "agent TLS certificate", "staff browsers reach the agent over HTTPS only", [M.LeastPrivilege]);
    public static readonly ControlSpec TlsKey = new("file.tls-key", "agent TLS private key (root and _appliance only)", "whoever holds the key can impersonate the agent", [M.LeastPrivilege]);

    public static readonly ControlSpec RootFolder = new("dir.root", "appliance folder", "everything the appliance keeps, outside users' homes (TCC)", [M.LeastPrivilege]);
    public static readonly ControlSpec BinFolder = new("dir.bin", "agent program folder", "only root may replace the agent", [M.LeastPrivilege]);
    public static readonly ControlSpec LogFolder = new("dir.logs", "log folder", "the agent writes its logs here", [M.LeastPrivilege]);
    public static readonly ControlSpec ModelFolder = new("dir.models", "model folder", "the agent reads models, cannot change them", [M.LeastPrivilege, M.ModelsPinned]);
    public static readonly ControlSpec DataFolder = new("dir.data", "data folder (.noindex keeps Spotlight out)", "index and query log; only the agent reads them", [M.LeastPrivilege]);
    public static readonly ControlSpec EvidenceFolder = new("dir.evidence", "evidence folder", "nightly verify results for the audit pack", [M.LeastPrivilege]);
    public static readonly ControlSpec AgentAuditFolder = new("dir.agent-audit", "agent's audit folder", "the agent exports its usage evidence here for the nightly pack", [M.LeastPrivilege]);
    public static readonly ControlSpec PackShelfFolder = new("dir.audit-packs", "audit pack shelf", "root shelves the signed nightly packs here; the agent may read them, not change them", [M.LeastPrivilege]);
    public static readonly ControlSpec CollectionsFolder = new("dir.collections", "collections folder", "one folder per document collection", [M.LeastPrivilege]);

    public static ControlSpec CollectionFolder(string collection) => new($"dir.collection.{collection}", $"collection '{collection}' index folder",
        "removed again when the collection leaves the config", [M.LeastPrivilege]);

    /// <summary>A LaunchDaemon: its controls are `launchd.LABEL.plist` and `launchd.LABEL.loaded`.</summary>
    public static ControlSpec Daemon(string label, string title, string why, params MeasureDefinition[] measures) =>
        new($"launchd.{label}", title, why, [M.Availability, .. measures]);

    public static readonly ControlSpec PfDaemon = Daemon(Layout.PfLabel, "pf enabled at boot", "macOS loads pf.conf at boot but never enables pf", M.NetworkIsolation);
    public static readonly ControlSpec WiredLimitDaemon = Daemon(Layout.WiredLimitLabel, "GPU wired limit at boot", "iogpu.wired_limit_mb is lost at every reboot");
    public static readonly ControlSpec AgentDaemon = Daemon(Layout.AgentLabel, "appliance agent service", "the agent runs as the role account, restarts when it exits");
    public static readonly ControlSpec VerifyDaemon = Daemon(Layout.VerifyLabel, "nightly verify and audit pack", "controls checked and a signed audit pack shelved for the DPO, every night, as root");

    public static ControlSpec UpdateWindowDaemon(string label, string purpose) =>
        Daemon(label, $"update window {purpose}", "egress for macOS updates, only in the configured window", M.NetworkIsolation);

    /// <summary>A generated file: owner, group, mode and content hash, read with one `stat` (batched with the others) and the file itself.</summary>
    public static Control File(ControlSpec spec, string path, string sha256, string owner, string group, UnixFileMode mode) =>
        new(spec.Id, spec.Title, spec.Why, LiveBox.StatOf(path), $"{owner}:{group} {Modes.Octal(mode)} sha256:{sha256[..16]}",
            $"apply writes the generated file ({owner}:{group} {Modes.Octal(mode)}); a file provision did not write is refused, never overwritten", spec.Measures);

    public static Control Folder(ControlSpec spec, string path, string owner, string group, UnixFileMode mode) =>
        new(spec.Id, spec.Title, spec.Why, LiveBox.StatOf(path), $"{owner}:{group} {Modes.Octal(mode)}",
            $"apply creates the folder or sets {owner}:{group} {Modes.Octal(mode)}", spec.Measures);

    public static Control DaemonLoaded(ControlSpec spec, string label) =>
        new(spec.Id + ".loaded", spec.Title + ": loaded", spec.Why, LaunchDaemon.Print(label), "loaded",
            $"apply runs launchctl enable and bootstrap system/{label} (after bootout when the plist changed)", spec.Measures);

    public static Control Model(string role, string name, string path, string sha256) =>
        new($"model.{role}", $"{role} model {name}: file present with pinned SHA-256",
            "the agent must load exactly the weights the config pins; anything else is refused",
            // Hashing tens of GB takes minutes: the check gets the time it needs.
            Command.Of(MacTools.Shasum, "-a", "256", path).WithTimeout(TimeSpan.FromHours(1)), $"root:_appliance 640 sha256:{sha256[..16]}",
            "apply copies the model from the provisioning machine's model cache (SHA-256 checked on the box)", [M.ModelsPinned]);

    public static Control AgentBundle(string manifest, string manifestSha256) =>
        new("agent.bundle", "agent program and native libraries installed", "the box runs exactly the bundle built and checked here",
            Command.Of(MacTools.Shasum, "-a", "256", manifest), $"manifest sha256:{manifestSha256[..16]}",
            "apply ships the bundle from `provision bundle` and unpacks it into the bin folder", [M.Availability, M.PlatformIntegrity]);

    // ---- The firewall.

    public static Control PfConfAnchor() =>
        new("pf.conf.anchor", "/etc/pf.conf loads the appliance anchor",
            "pf only evaluates anchors pf.conf names; a macOS update can replace the file and silently drop the rules",
            LiveBox.ReadOf(Layout.PfConf), "both lines present",
            "apply keeps the original as pf.conf.before-appliance, appends the two lines, checks (pfctl -vnf) and reloads", [M.NetworkIsolation]);

    public static Control PfRules(string anchorName, int ruleCount) =>
        new("pf.rules", $"pf anchor {anchorName} holds the appliance rules",
            "editing the anchor file changes nothing until it is loaded; a check that only reads files misses that",
            PfRulesLoaded.Show(anchorName), $"the {ruleCount} rules of the anchor file",
            "apply checks pf.conf (pfctl -vnf), loads it (pfctl -f) and flushes states (pfctl -F states)", [M.NetworkIsolation]);

    public static Control Flow(FlowCase flow, string anchorName) =>
        new(flow.Id, flow.Description, $"the firewall proof for the audit pack: what the loaded rules do with {flow.Packet}",
            PfRulesLoaded.Show(anchorName), flow.ShouldPass ? "pass" : "block",
            "follows from pf.rules: apply reloads the rules generated from network:", [M.NetworkIsolation]);

    public const string PfEnabledId = "pf.enabled";

    public static Setting PfEnabled() => Rule(
        new(PfEnabledId, "pf firewall is enabled", "pf is disabled at boot and by `pfctl -d`; rules that are loaded but not enforced protect nothing", [M.NetworkIsolation]),
        Command.Of(MacTools.Pfctl, "-s", "info"), "enabled",
        r => r.StandardOutput.Contains("Status: Enabled", StringComparison.Ordinal) ? "enabled"
            : r.StandardOutput.Contains("Status: Disabled", StringComparison.Ordinal) ? "disabled" : "unknown",
        // -E takes a reference token; only planned when pf is disabled, so tokens do not pile up.
        [Run(Command.Of(MacTools.Pfctl, "-E"))]);

    public static IEnumerable<Setting> ApplicationFirewall()
    {
        yield return Rule(new("alf.enabled", "application firewall on", "a second, per-application layer below pf", [M.AdministrativeAccess, M.NetworkIsolation]),
            Command.Of(MacTools.Socketfilterfw, "--getglobalstate"), "on",
            r => r.StandardOutput.Contains("enabled", StringComparison.Ordinal) ? "on" : "off",
            [Run(Command.Of(MacTools.Socketfilterfw, "--setglobalstate", "on"))]);
        yield return Rule(new("alf.stealth", "stealth mode on", "the box does not answer probes (ping, closed ports)", [M.AdministrativeAccess, M.NetworkIsolation]),
            Command.Of(MacTools.Socketfilterfw, "--getstealthmode"), "on",
            r => r.StandardOutput.Contains("is on", StringComparison.Ordinal) ? "on" : "off",
            [Run(Command.Of(MacTools.Socketfilterfw, "--setstealthmode", "on"))]);
    }

    // ---- The role account and SSH.

    public static IEnumerable<Setting> RoleAccount()
    {
        var id = Command.Of(MacTools.Id, "-u", Layout.Account);
        var uid = Layout.AccountId.ToString(CultureInfo.InvariantCulture);
        yield return Rule(new("account.role", $"role account {Layout.Account} (UID {uid}) exists", "the agent runs without a login, a home or a shell", [M.LeastPrivilege]),
            id, uid, r => r.Succeeded ? r.StandardOutput.Trim() : "absent",
            [new RunThenCheck(
                Command.Of(MacTools.Sysadminctl, "-addUser", Layout.Account, "-fullName", "Appliance agent", "-UID", uid, "-GID", uid,
                    "-shell", "/usr/bin/false", "-home", "/var/empty", "-roleAccount"),
                id, uid,
                $"sysadminctl exits 0 even when it fails: check that UID {uid} is free (dscl . -list /Users UniqueID); over SSH the session needs Full Disk Access.")
                { Resource = "" }]);
        yield return Rule(new("account.hidden", "role account hidden from the login window", "nobody can pick it at the login window", [M.LeastPrivilege]),
            Command.Of(MacTools.Dscl, ".", "-read", "/Users/" + Layout.Account, "IsHidden"), "1",
            r => r.Succeeded ? r.StandardOutput.Replace("IsHidden:", "").Trim() : "not set",
            [Run(Command.Of(MacTools.Dscl, ".", "-create", "/Users/" + Layout.Account, "IsHidden", "1"))]);
    }

    public static Setting SshAccess(string user) => Rule(
        new($"ssh.access.{user}", $"{user} may log in over SSH (com.apple.access_ssh)", "only members of this group may use SSH", [M.AdministrativeAccess]),
        Command.Of(MacTools.Dseditgroup, "-o", "checkmember", "-m", user, "com.apple.access_ssh"), "member",
        r => r.ExitCode == 0 ? "member" : "not a member",
        [Run(Command.Of(MacTools.Dseditgroup, "-o", "edit", "-a", user, "-t", "user", "com.apple.access_ssh"))]);

    public static Setting SshEffective(bool keyOnly)
    {
        var want = keyOnly ? "passwordauthentication no, permitrootlogin no" : "permitrootlogin no";
        return Rule(new("ssh.effective", "sshd's effective settings", "a drop-in that sorts after Apple's file would be ignored", [M.AdministrativeAccess]),
            Command.Of(MacTools.Sshd, "-G"), want,
            r =>
            {
                var lines = r.StandardOutput.Split('\n').Select(l => l.Trim()).ToHashSet();
                var parts = new List<string>();
                if (keyOnly) parts.Add(lines.Contains("passwordauthentication no") ? "passwordauthentication no" : "passwordauthentication yes");
                parts.Add(lines.Contains("permitrootlogin no") ? "permitrootlogin no" : "permitrootlogin allowed");
                return string.Join(", ", parts);
            },
            [], $"apply writes {Layout.SshDropIn}; if it still loses, look for an earlier drop-in or a Match block in /etc/ssh/sshd_config",
            followsFrom: ["file " + Layout.SshDropIn]);
    }

    // ---- Power, memory, Spotlight.

    private static readonly (string Key, string Value)[] PowerSettings =
        [("sleep", "0"), ("disksleep", "0"), ("displaysleep", "10"), ("powernap", "0"), ("womp", "1"), ("autorestart", "1")];

    public static Setting Power() => Rule(
        new("power.pmset", "never sleeps, restarts after power loss", "an appliance that sleeps answers nobody", [M.Availability]),
        Command.Of(MacTools.Pmset, "-g", "custom"), string.Join(' ', PowerSettings.Select(p => $"{p.Key}={p.Value}")),
        r =>
        {
            var values = r.StandardOutput.Split('\n').Select(l => l.Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries))
                .Where(p => p.Length == 2).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.First()[1].Trim());
            return string.Join(' ', PowerSettings.Select(p => $"{p.Key}={values.GetValueOrDefault(p.Key, "?")}"));
        },
        [Run(Command.Of(MacTools.Pmset, ["-a", .. PowerSettings.SelectMany(p => new[] { p.Key, p.Value })]))]);

    public static Setting WiredLimitNow(int mb) => Rule(
        new("gpu.wired-limit", $"Metal may wire {mb} MB (iogpu.wired_limit_mb)", "models plus KV cache must fit without swapping; SIP forbids turning swap off", [M.Availability]),
        Command.Of(MacTools.Sysctl, "-n", "iogpu.wired_limit_mb"), mb.ToString(CultureInfo.InvariantCulture),
        r => r.Succeeded ? r.StandardOutput.Trim() : "unreadable",
        [Run(Command.Of(MacTools.Sysctl, $"iogpu.wired_limit_mb={mb}"))]);

    public static Setting SpotlightOff() => Rule(
        new("spotlight.off", "Spotlight does not index the data volume", "the index would copy confidential text outside the appliance's control", [M.PlatformIntegrity]),
        Command.Of(MacTools.Mdutil, "-s", Layout.DataVolume), "disabled",
        r => r.StandardOutput.Contains("Indexing disabled", StringComparison.Ordinal) ? "disabled"
            : r.StandardOutput.Contains("Indexing enabled", StringComparison.Ordinal) ? "enabled" : "unknown",
        [Run(Command.Of(MacTools.Mdutil, "-i", "off", Layout.DataVolume))]);

    // ---- Text recognition: Tesseract, installed by an admin with Homebrew, run by its absolute path.

    /// <summary>
    /// How to install Tesseract on the box. Apply does not do it: Homebrew's bottles are built for
    /// /opt/homebrew, bring about twenty dependent bottles (leptonica, libtiff, icu4c…) and Homebrew
    /// refuses to run as root, so a pinned install would mean the provisioner running a second package
    /// manager. Pre-flight, plan and verify say exactly what to do instead.
    /// </summary>
    public static string InstallTesseract(string program) =>
        "as an admin user (not root), before egress is sealed or inside the update window: install Homebrew (https://brew.sh), " +
        $"then `{OcrSettings.MacInstall}`; the agent runs {program} by that path (rag.ocr.tesseract), never through PATH";

    /// <param name="languages">Tesseract's codes the collections need (<see cref="OcrSettings.TesseractLanguages(IEnumerable{Collection})"/>)</param>
    public static IEnumerable<Setting> Tesseract(string program, IReadOnlyList<string> languages)
    {
        var install = InstallTesseract(program);
        yield return Rule(new("ocr.tesseract", $"Tesseract 5 or later at {program}",
                "scanned letters, faxes and lab reports become searchable only through OCR; without it the agent skips them with that reason", [M.Availability]),
            Command.Of(program, "--version"), "tesseract 5 or later",
            r => r.Succeeded ? r.StandardOutput.Split('\n')[0].Trim() : "not installed",
            [], install, passes: o => o.StartsWith("tesseract ", StringComparison.Ordinal)
                && int.TryParse(o["tesseract ".Length..].Split('.')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major) && major >= 5);
        var expected = string.Join(", ", languages);
        yield return Rule(new("ocr.languages", $"Tesseract reads {expected}", "scans are read in their collection's language (auto: all four)", [M.Availability]),
            Command.Of(program, "--list-langs"), expected,
            r =>
            {
                if (!r.Succeeded) return "not installed";
                // The first line names the data folder; one language per line follows.
                var installed = r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Skip(1).ToHashSet();
                var missing = languages.Where(l => !installed.Contains(l)).ToList();
                return missing.Count == 0 ? expected : "missing " + string.Join(", ", missing);
            },
            [], install);
    }

    // ---- Checked, never changed: SIP, FileVault, swap, memory pressure, automatic login.

    public static Setting Sip() => Rule(
        new("sip.enabled", "System Integrity Protection on", "the OS and its launch daemons cannot be modified, even by root", [M.PlatformIntegrity]),
        SipCheck, "enabled",
        r => r.StandardOutput.Contains("enabled.", StringComparison.Ordinal) ? "enabled" : r.StandardOutput.Contains("disabled", StringComparison.Ordinal) ? "disabled" : "unknown",
        [], "boot into Recovery (hold the power button), open Terminal, run `csrutil enable`, restart");

    public static readonly Command SipCheck = Command.Of(MacTools.Csrutil, "status");
    public static readonly Command FileVaultCheck = Command.Of(MacTools.Fdesetup, "status");

    public static Setting FileVault(bool on) => Rule(
        new("filevault", $"FileVault {(on ? "on" : "off")}", "the trade-off chosen in system.filevault: encrypted disk vs. unattended restart after a power cut", [M.EncryptionAtRest]),
        FileVaultCheck, on ? "on" : "off",
        r => r.StandardOutput.Contains("FileVault is On", StringComparison.Ordinal) ? "on" : r.StandardOutput.Contains("FileVault is Off", StringComparison.Ordinal) ? "off" : "unknown",
        [], on ? "turn FileVault on in System Settings → Privacy & Security (keep the recovery key offline)" : "turn FileVault off in System Settings → Privacy & Security");

    public static Setting SwapEncrypted() => Rule(
        new("swap.encrypted", "swap is encrypted", "SIP forbids disabling swap; anything paged out must at least be encrypted", [M.EncryptionAtRest]),
        Command.Of(MacTools.Sysctl, "vm.swapusage"), "encrypted",
        r => r.StandardOutput.Contains("(encrypted)", StringComparison.Ordinal) ? "encrypted" : "not encrypted",
        [], "macOS always encrypts swap; if this fails the box is not a stock macOS: reinstall");

    /// <param name="alert">the pressure level (2 warning, 4 critical) that fails the control</param>
    public static Setting MemoryPressure(int alert, string alertName) => Rule(
        new("memory.pressure", "memory pressure below the alert level (1 normal, 2 warning, 4 critical)",
            "above it macOS compresses and swaps; answers slow down and the wired limit or models are too large", [M.Availability]),
        Command.Of(MacTools.Sysctl, "-n", "kern.memorystatus_vm_pressure_level"), $"below {alert} ({alertName})",
        r => int.TryParse(r.StandardOutput.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var level) ? level switch
        {
            1 => "1 (normal)", 2 => "2 (warning)", 4 => "4 (critical)", _ => level.ToString(CultureInfo.InvariantCulture),
        } : "unreadable",
        [], "choose smaller models or fewer parallel sequences, or lower inference.gpu_wired_limit_mb",
        passes: o => int.TryParse(o.Split(' ')[0], CultureInfo.InvariantCulture, out var l) && l < alert);

    public static Setting NoAutoLogin() => Rule(
        new("login.no-autologin", "automatic login is off (reading autoLoginUser must fail)", "an unattended box must not log anyone in by itself", [M.AdministrativeAccess]),
        Command.Of(MacTools.Defaults, "read", "/Library/Preferences/com.apple.loginwindow", "autoLoginUser"), "off",
        r => r.Succeeded ? "on for " + r.StandardOutput.Trim() : "off",
        [], "System Settings → Users & Groups → Automatically log in as: Off");

    public static Setting NoKcpassword() => Rule(
        new("login.no-kcpassword", "no stored auto-login password (/etc/kcpassword must not exist)", "/etc/kcpassword holds the auto-login password, barely obscured", [M.AdministrativeAccess]),
        Command.Of(MacTools.Stat, "-f", "%N", "/etc/kcpassword"), "absent",
        r => r.Succeeded ? "present" : "absent",
        [], "turn automatic login off, then `sudo rm /etc/kcpassword`");

    // ---- Backups: read back from the history every backup, verify and restore appends (on the box and on the destination).

    public const int BackupMaxAgeHours = 36;
    public const int RestoreDrillMaxAgeDays = 30;

    public static readonly ControlSpec BackupRecentSpec = new("backup.recent", $"a successful backup younger than {BackupMaxAgeHours} h",
        "the box holds data that exists nowhere else (uploads, query log, users, keys); a dead disk or a thief must not take it", [M.Availability]);
    public static readonly ControlSpec RestoreDrillSpec = new("backup.restore-drill", $"a verified restore within {RestoreDrillMaxAgeDays} days",
        "a backup nobody has read back is a hope, not a backup: verify or restore decrypts every file with the office's key", [M.Availability]);

    /// <summary>
    /// The one read of the backup histories: the box's own and the destination's (a drill runs where
    /// the private key is and is recorded on the disk). The controls below and the audit pack's
    /// backup section both run it.
    /// </summary>
    public static Command BackupHistoryCheck(ApplianceConfig config) => Command.Of(MacTools.Cat,
        [Backup.BoxBackup.BoxHistoryOnBox, Backup.BoxBackup.DestinationHistoryOnBox(config.Backup.Destination!, config.Appliance.Hostname)]);

    /// <param name="clock">ages are measured against it</param>
    public static IEnumerable<Setting> Backups(ApplianceConfig config, TimeProvider clock)
    {
        var check = BackupHistoryCheck(config);
        var destination = config.Backup.Destination!;
        yield return Rule(BackupRecentSpec, check, $"younger than {BackupMaxAgeHours} h",
            r => Age(r, clock, TimeSpan.FromHours(1), "h", destination, BackupActivity.Backup), [],
            "plug the backup disk in (or mount the share) and run `sudo provision backup now --target local`; the nightly job then keeps it fresh",
            passes: o => Younger(o, BackupMaxAgeHours));
        yield return Rule(RestoreDrillSpec, check, $"younger than {RestoreDrillMaxAgeDays} days",
            r => Age(r, clock, TimeSpan.FromDays(1), "days", destination, BackupActivity.Verify, BackupActivity.Restore), [],
            "on the IT laptop that holds the office's private key, with the backup disk plugged in: `provision backup verify --key KEY` (or a restore into a sandbox)",
            passes: o => Younger(o, RestoreDrillMaxAgeDays));
    }

    /// <summary>"N UNIT old: …" for the newest successful event, so the pack shows when, which set and where.</summary>
    private static string Age(CommandResult result, TimeProvider clock, TimeSpan unit, string unitName, string destination, params BackupActivity[] activities)
    {
        // cat fails when one file is missing (no drill yet, disk unplugged) but prints the others.
        if (BackupHistory.LastSucceeded(BackupHistory.Parse(result.StandardOutput), activities) is not { } last)
            return $"never (no successful {string.Join(" or ", activities.Select(a => a.ToString().ToLowerInvariant()))} recorded for {destination})";
        var age = (long)Math.Floor((clock.GetUtcNow() - last.At) / unit);
        return $"{Math.Max(age, 0).ToString(CultureInfo.InvariantCulture)} {unitName} old: {last.Activity.ToString().ToLowerInvariant()} of set {last.Set} " +
               $"on {last.Destination} at {last.At.UtcDateTime:yyyy-MM-dd HH:mm} UTC";
    }

    private static bool Younger(string observed, int limit) =>
        long.TryParse(observed.Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var age) && age < limit;

    // ---- How the pieces are put together.

    /// <summary>
    /// A setting's whole rule: the control (with its fix text taken from the very steps apply runs,
    /// or from the manual advice), how the observed value is read from the check's result, the steps.
    /// </summary>
    private static Setting Rule(ControlSpec spec, Command check, string expected, Func<CommandResult, string> observe, IReadOnlyList<Step> fix,
        string? manual = null, IReadOnlyList<string>? followsFrom = null, Func<string, bool>? passes = null)
    {
        var fixText = manual ?? string.Join("; then ", fix.Select(s => s.Describe()));
        return new Setting(new Control(spec.Id, spec.Title, spec.Why, check, expected, fixText, spec.Measures), observe, fix)
        {
            Advice = manual, RepairedBy = followsFrom ?? [], Passes = passes,
        };
    }

    private static RunCommand Run(Command command) => new(command) { Resource = "" };

    /// <summary>The README's control list: one row per control of a desired state.</summary>
    public static string Markdown(IEnumerable<Control> controls)
    {
        var lines = new List<string>
        {
            "| id | control | check (the command verify runs) | expected | measures |",
            "| --- | --- | --- | --- | --- |",
        };
        lines.AddRange(controls.Select(c =>
            $"| `{c.Id}` | {Cell(c.Title)} | `{Cell(c.ReadBack)}` | {Cell(c.Expected)} | {string.Join(", ", c.Measures.Select(m => m.Id))} |"));
        return string.Join('\n', lines) + "\n";
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
