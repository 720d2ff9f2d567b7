namespace Appliance.SimulatedMacOS;

/// <summary>The read-mostly security surface: SIP, FileVault, the application firewall, versions, defaults.</summary>
public sealed class Security(SimulatedMac mac)
{
    public int Socketfilterfw(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--getglobalstate":
                    mac.Out.WriteLine(mac.State.ApplicationFirewall ? "Firewall is enabled. (State = 1)" : "Firewall is disabled. (State = 0)");
                    break;
                case "--getstealthmode":
                    mac.Out.WriteLine(mac.State.StealthMode ? "Firewall stealth mode is on" : "Firewall stealth mode is off");
                    break;
                case "--setglobalstate" when i + 1 < args.Length:
                    mac.State.ApplicationFirewall = args[++i] == "on";
                    mac.Out.WriteLine(mac.State.ApplicationFirewall ? "Firewall is enabled. (State = 1)" : "Firewall is disabled. (State = 0)");
                    break;
                case "--setstealthmode" when i + 1 < args.Length:
                    mac.State.StealthMode = args[++i] == "on";
                    mac.Out.WriteLine(mac.State.StealthMode ? "Stealth mode enabled" : "Stealth mode disabled");
                    break;
                default:
                    return mac.Fail(1, $"socketfilterfw: unknown option {args[i]}");
            }
        }
        return 0;
    }

    public int Csrutil(string[] args) => args switch
    {
        ["status"] => Print($"System Integrity Protection status: {(mac.State.SipEnabled ? "enabled" : "disabled")}."),
        ["disable" or "enable", ..] => mac.Fail(1, "csrutil: This tool needs to be executed from Recovery OS."),
        _ => mac.Fail(64, "usage: csrutil status"),
    };

    public int Fdesetup(string[] args) => args switch
    {
        ["status"] => Print(mac.State.FileVaultOn ? "FileVault is On." : "FileVault is Off."),
        _ => mac.Fail(64, "usage: fdesetup status"),
    };

    public int SwVers(string[] args) => args switch
    {
        ["-productVersion"] => Print(mac.State.ProductVersion),
        [] => Print($"ProductName:\t\tmacOS\nProductVersion:\t\t{mac.State.ProductVersion}\nBuildVersion:\t\t24F74"),
        _ => mac.Fail(64, "usage: sw_vers [-productVersion]"),
    };

    public int Uname(string[] args) => args switch
    {
        ["-m"] => Print(mac.State.Architecture),
        _ => Print("Darwin"),
    };

    /// <summary>Only what the provisioner reads: automatic login is never configured on a stock sandbox.</summary>
    public int Defaults(string[] args) => args switch
    {
        ["read", var domain, var key] => mac.Fail(1, $"The domain/default pair of ({domain}, {key}) does not exist"),
        _ => mac.Fail(64, "usage: defaults read DOMAIN KEY"),
    };

    private int Print(string text)
    {
        mac.Out.WriteLine(text);
        return 0;
    }
}
