using System.Globalization;
using Appliance.Config;
using Appliance.Exec;
using Appliance.Provision.Resources;
using Appliance.Provision.Targets;

namespace Appliance.Provision.Desired;

/// <summary>
/// Controls apply cannot (or must not) change: they are verified and reported with what a person
/// has to do. SIP and FileVault are switched in Recovery / by an admin, swap cannot be turned off.
/// </summary>
public static class SystemChecks
{
    public static IEnumerable<Resource> For(ApplianceConfig config)
    {
        yield return new Setting(
            new("sip.enabled", "System Integrity Protection on", "the OS and its launch daemons cannot be modified, even by root",
                "csrutil status", "enabled"),
            Command.Of(MacTools.Csrutil, "status"),
            r => r.StandardOutput.Contains("enabled.", StringComparison.Ordinal) ? "enabled" : r.StandardOutput.Contains("disabled", StringComparison.Ordinal) ? "disabled" : "unknown",
            []) { ManualFix = "boot into Recovery (hold the power button), open Terminal, run `csrutil enable`, restart" };

        if (config.System.Filevault != FileVaultExpectation.Any)
        {
            var want = config.System.Filevault == FileVaultExpectation.Required ? "on" : "off";
            yield return new Setting(
                new("filevault", $"FileVault {want}", "the trade-off chosen in system.filevault: encrypted disk vs. unattended restart after a power cut",
                    "fdesetup status", want),
                Command.Of(MacTools.Fdesetup, "status"),
                r => r.StandardOutput.Contains("FileVault is On", StringComparison.Ordinal) ? "on" : r.StandardOutput.Contains("FileVault is Off", StringComparison.Ordinal) ? "off" : "unknown",
                []) { ManualFix = want == "on" ? "turn FileVault on in System Settings → Privacy & Security (keep the recovery key offline)" : "turn FileVault off in System Settings → Privacy & Security" };
        }

        yield return new Setting(
            new("swap.encrypted", "swap is encrypted", "SIP forbids disabling swap; anything paged out must at least be encrypted",
                "sysctl vm.swapusage", "encrypted"),
            Command.Of(MacTools.Sysctl, "vm.swapusage"),
            r => r.StandardOutput.Contains("(encrypted)", StringComparison.Ordinal) ? "encrypted" : "not encrypted",
            []) { ManualFix = "macOS always encrypts swap; if this fails the box is not a stock macOS: reinstall" };

        var alert = config.System.MemoryPressureAlert == PressureLevel.Warning ? 2 : 4;
        yield return new Setting(
            new("memory.pressure", "memory pressure below the alert level",
                "above it macOS compresses and swaps; answers slow down and the wired limit or models are too large",
                "sysctl -n kern.memorystatus_vm_pressure_level (1 normal, 2 warning, 4 critical)", $"below {alert} ({ConfigNames.EnumValue(config.System.MemoryPressureAlert)})"),
            Command.Of(MacTools.Sysctl, "-n", "kern.memorystatus_vm_pressure_level"),
            r => int.TryParse(r.StandardOutput.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var level) ? level switch
            {
                1 => "1 (normal)", 2 => "2 (warning)", 4 => "4 (critical)", _ => level.ToString(CultureInfo.InvariantCulture),
            } : "unreadable",
            []) { ManualFix = "choose smaller models or fewer parallel sequences, or lower inference.gpu_wired_limit_mb", Passes = o => int.TryParse(o.Split(' ')[0], out var l) && l < alert };

        yield return new Setting(
            new("login.no-autologin", "automatic login is off", "an unattended box must not log anyone in by itself",
                "defaults read /Library/Preferences/com.apple.loginwindow autoLoginUser (must fail)", "off"),
            Command.Of(MacTools.Defaults, "read", "/Library/Preferences/com.apple.loginwindow", "autoLoginUser"),
            r => r.Succeeded ? "on for " + r.StandardOutput.Trim() : "off",
            []) { ManualFix = "System Settings → Users & Groups → Automatically log in as: Off" };

        yield return new Setting(
            new("login.no-kcpassword", "no stored auto-login password", "/etc/kcpassword holds the auto-login password, barely obscured",
                "stat /etc/kcpassword (must not exist)", "absent"),
            Command.Of(MacTools.Stat, "-f", "%N", "/etc/kcpassword"),
            r => r.Succeeded ? "present" : "absent",
            []) { ManualFix = "turn automatic login off, then `sudo rm /etc/kcpassword`" };
    }
}
