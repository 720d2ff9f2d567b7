namespace Appliance.SimulatedMacOS;

/// <summary>Dispatches one command line to the simulated tool of that name.</summary>
public sealed class Commands(SimulatedMac mac)
{
    public static readonly IReadOnlyList<string> Names =
    [
        "launchctl", "pfctl", "sysctl", "pmset", "mdutil", "dscl", "sysadminctl", "dseditgroup", "id",
        "socketfilterfw", "csrutil", "fdesetup", "plutil", "sw_vers", "uname", "defaults", "sshd",
        "chown", "chmod", "stat", "mkdir", "rm", "mv", "shasum", "df", "install", "tar", "reboot", "simulated-fault",
        "brew", "tesseract",
    ];

    public int Run(string name, string[] args)
    {
        var line = string.Join(' ', new[] { name }.Concat(args));
        var fault = mac.State.Faults.FirstOrDefault(f => f.Remaining > 0 && line.StartsWith(f.Match, StringComparison.Ordinal));
        if (fault is not null)
        {
            fault.Remaining--;
            if (fault.Remaining == 0) mac.State.Faults.Remove(fault);
            return mac.Fail(fault.ExitCode, fault.StandardError);
        }

        return name switch
        {
            "launchctl" => new Launchd(mac).Launchctl(args),
            "pfctl" => new PacketFilter(mac).Pfctl(args),
            "sysctl" => new Kernel(mac).Sysctl(args),
            "pmset" => new Power(mac).Pmset(args),
            "mdutil" => new Spotlight(mac).Mdutil(args),
            "dscl" => new DirectoryService(mac).Dscl(args),
            "sysadminctl" => new DirectoryService(mac).Sysadminctl(args),
            "dseditgroup" => new DirectoryService(mac).Dseditgroup(args),
            "id" => new DirectoryService(mac).Id(args),
            "socketfilterfw" => new Security(mac).Socketfilterfw(args),
            "csrutil" => new Security(mac).Csrutil(args),
            "fdesetup" => new Security(mac).Fdesetup(args),
            "sw_vers" => new Security(mac).SwVers(args),
            "uname" => new Security(mac).Uname(args),
            "defaults" => new Security(mac).Defaults(args),
            "sshd" => new SshDaemon(mac).Sshd(args),
            "plutil" => new PropertyLists(mac).Plutil(args),
            "chown" or "chmod" or "stat" or "mkdir" or "rm" or "mv" or "shasum" or "df" or "install" or "tar" => new FileCommands(mac).Run(name, args),
            "reboot" => new Boot(mac).Reboot(),
            "brew" => new Homebrew(mac).Brew(args),
            "tesseract" => new Homebrew(mac).Tesseract(args),
            "simulated-fault" => AddFault(args),
            _ => mac.Fail(127, $"simulated macOS: {name}: command not simulated"),
        };
    }

    /// <summary>`simulated-fault MATCH EXIT STDERR…`: the next command line starting with MATCH fails so.</summary>
    private int AddFault(string[] args)
    {
        if (args.Length < 2 || !int.TryParse(args[1], out var code))
            return mac.Fail(64, "usage: simulated-fault 'COMMAND PREFIX' EXIT-CODE [STDERR]");
        mac.State.Faults.Add(new InjectedFault { Match = args[0], ExitCode = code, StandardError = string.Join(' ', args[2..]) });
        mac.Out.WriteLine($"simulated macOS: the next `{args[0]}…` will exit {code}");
        return 0;
    }
}
