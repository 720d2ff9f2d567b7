namespace Appliance.SimulatedMacOS;

/// <summary>A fresh Mac Studio as it leaves the box: stock pf.conf, SIP and FileVault on, pf off.</summary>
public static class StockMac
{
    public const string StockPfConf = """
        #
        # Default PF configuration file.
        #
        # This file contains the main ruleset, which gets automatically loaded
        # at startup.  PF will not be automatically enabled, however.  Instead,
        # each component which utilizes PF is responsible for enabling and disabling
        # PF via -E and -X as documented in pfctl(8).  That will ensure that PF
        # is disabled only when the last enable reference is released.
        #
        scrub-anchor "com.apple/*"
        nat-anchor "com.apple/*"
        rdr-anchor "com.apple/*"
        dummynet-anchor "com.apple/*"
        anchor "com.apple/*"
        load anchor "com.apple" from "/etc/pf.anchors/com.apple"

        """;

    public static void Create(string root, int memoryGb, string programFolder)
    {
        root = Path.GetFullPath(root);
        var mac = new SimulatedMac(root, Stock(memoryGb), TextWriter.Null, TextWriter.Null);
        foreach (var folder in new[]
                 {
                     "/etc/pf.anchors", "/etc/ssh/sshd_config.d", "/Library/LaunchDaemons", "/Library/Application Support",
                     "/Library/Preferences", "/var/db", "/var/log", "/Users/Shared", "/System/Library/LaunchDaemons", "/usr/sbin", "/tmp",
                 })
            Directory.CreateDirectory(mac.HostPath(folder));
        File.WriteAllText(mac.HostPath("/etc/pf.conf"), StockPfConf);
        File.WriteAllText(mac.HostPath("/etc/pf.anchors/com.apple"), "#\n# com.apple anchor point\n#\nanchor \"200.AirDrop/*\"\nanchor \"250.ApplicationFirewall/*\"\n");
        File.WriteAllText(mac.HostPath("/etc/ssh/sshd_config"), "# stock macOS sshd_config (abridged)\nInclude /etc/ssh/sshd_config.d/*\nAuthorizedKeysFile .ssh/authorized_keys\nSubsystem sftp /usr/libexec/sftp-server\n");
        File.WriteAllText(mac.HostPath("/etc/ssh/sshd_config.d/100-macos.conf"), "# Apple's defaults (abridged)\nPasswordAuthentication yes\nKbdInteractiveAuthentication yes\nUsePAM yes\nAcceptEnv LANG LC_*\n");
        File.WriteAllText(mac.HostPath("/System/Library/LaunchDaemons/com.apple.pfctl.plist"), "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict><key>Label</key><string>com.apple.pfctl</string></dict></plist>\n");

        Directory.CreateDirectory(Path.Combine(root, SimulatedMac.StateFolder));
        new PacketFilter(mac).Pfctl(["-f", "/etc/pf.conf"]);
        mac.State.Save(SimulatedMac.StateFile(root));
        WriteWrappers(root, programFolder);
    }

    private static MacState Stock(int memoryGb)
    {
        var state = new MacState();
        state.Sysctl["hw.memsize"] = ((long)memoryGb << 30).ToString();
        state.Sysctl["hw.model"] = "Mac15,14";
        state.Sysctl["machdep.cpu.brand_string"] = "Apple M3 Ultra";
        state.Sysctl["iogpu.wired_limit_mb"] = "0";
        state.Sysctl["vm.swapusage"] = "total = 2048.00M  used = 0.00M  free = 2048.00M  (encrypted)";
        state.Sysctl["kern.memorystatus_vm_pressure_level"] = "1";
        foreach (var (k, v) in new[] { ("sleep", "1"), ("disksleep", "10"), ("displaysleep", "10"), ("powernap", "1"), ("womp", "1"), ("autorestart", "0") })
            state.Pmset[k] = v;
        state.SpotlightIndexing["/"] = true;
        state.SpotlightIndexing["/System/Volumes/Data"] = true;
        state.Users["root"] = new MacUser("root", 0, 0, "/bin/sh", "/var/root");
        state.Users["daemon"] = new MacUser("daemon", 1, 1, "/usr/bin/false", "/var/root");
        state.Users["itadmin"] = new MacUser("itadmin", 501, 20, "/bin/zsh", "/Users/itadmin");
        state.Groups["wheel"] = new MacGroup { Name = "wheel", Gid = 0, Members = ["root"] };
        state.Groups["staff"] = new MacGroup { Name = "staff", Gid = 20 };
        state.Groups["admin"] = new MacGroup { Name = "admin", Gid = 80, Members = ["root", "itadmin"] };
        state.Groups["com.apple.access_ssh"] = new MacGroup { Name = "com.apple.access_ssh", Gid = 399 };
        return state;
    }

    /// <summary>One small script per command, so the sandbox's PATH looks like a Mac's.</summary>
    private static void WriteWrappers(string root, string programFolder)
    {
        var bin = Path.Combine(root, SimulatedMac.StateFolder, "bin");
        Directory.CreateDirectory(bin);
        var apphost = Path.Combine(programFolder, "simulated-macos");
        var run = File.Exists(apphost) ? Quote(apphost) : "dotnet " + Quote(Path.Combine(programFolder, "simulated-macos.dll"));
        foreach (var name in Commands.Names.Append("cat"))
        {
            var body = name == "cat"
                ? $"#!/bin/sh\n# simulated macOS: cat over the sandbox root\nfor f in \"$@\"; do case \"$f\" in -*) ;; *) set -- \"$@\" {Quote(root)}\"$f\" ;; esac; shift; done\nexec /bin/cat \"$@\"\n"
                : $"#!/bin/sh\n# simulated macOS: {name} (a test double; state under {root})\nSIMULATED_MACOS_ROOT={Quote(root)} exec {run} {name} \"$@\"\n";
            var file = Path.Combine(bin, name);
            File.WriteAllText(file, body);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                                       UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
    }

    private static string Quote(string text) => "'" + text.Replace("'", "'\\''") + "'";
}
