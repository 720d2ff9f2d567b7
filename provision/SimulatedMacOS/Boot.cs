namespace Appliance.SimulatedMacOS;

/// <summary>
/// `reboot`: what survives a restart and what does not. pf comes up disabled with /etc/pf.conf
/// loaded by Apple's own job, sysctl values set at run time are lost, and launchd loads every
/// daemon again (running the one-shot ones).
/// </summary>
public sealed class Boot(SimulatedMac mac)
{
    public int Reboot()
    {
        var pf = mac.State.Pf;
        pf.Enabled = false;
        pf.Tokens.Clear();
        pf.States = 0;
        pf.Anchors.Clear();
        new PacketFilter(new SimulatedMac(mac.Root, mac.State, TextWriter.Null, TextWriter.Null)).Pfctl(["-f", "/etc/pf.conf"]);
        mac.State.Sysctl["iogpu.wired_limit_mb"] = "0";
        mac.State.Sysctl["kern.memorystatus_vm_pressure_level"] = "1";
        new Launchd(mac).BootAll();
        mac.Out.WriteLine("simulated macOS: rebooted");
        return 0;
    }
}
