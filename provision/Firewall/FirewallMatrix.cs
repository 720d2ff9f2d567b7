using System.Net;
using Appliance.Config;
using Appliance.Provision.Apply;
using Appliance.Provision.Controls;
using Appliance.Provision.Resources;

namespace Appliance.Provision.Firewall;

/// <summary>One row of the egress/ingress proof: a packet, what the config intends, what the rules do.</summary>
public sealed record FlowCase(string Id, string Description, Packet Packet, bool ShouldPass);

/// <summary>
/// The firewall proof: representative flows derived from the config (office PC → agent, appliance →
/// public :443, appliance → LAN DNS, …) evaluated against a ruleset. Verify evaluates the rules the
/// kernel actually holds; that pf is enabled at all is the separate pf.enabled control.
/// </summary>
public static class FirewallMatrix
{
    public static readonly IPAddress Public = IPAddress.Parse("203.0.113.7");
    public static readonly IPAddress PublicDns = IPAddress.Parse("8.8.8.8");

    public static IReadOnlyList<FlowCase> Cases(ApplianceConfig config)
    {
        var network = config.Network;
        var office = network.OfficeSubnets[0];
        var appliance = Host(office, 2);
        var officePc = Host(office, 50);
        var port = network.AgentPort;
        var cases = new List<FlowCase>
        {
            new("flow.office-to-agent", $"office PC {officePc} → agent :{port}", In("tcp", officePc, appliance, port), true),
            new("flow.internet-to-agent", $"internet {Public} → agent :{port}", In("tcp", Public, appliance, port), false),
            new("flow.office-to-ssh", $"office PC {officePc} → SSH :22", In("tcp", officePc, appliance, 22), network.AdminHosts.Any(h => h.Contains(officePc))),
            new("flow.appliance-to-public-https", $"appliance → public {Public}:443", Out("tcp", appliance, Public, 443), false),
            new("flow.appliance-to-public-dns", $"appliance → public DNS {PublicDns}:53", Out("udp", appliance, PublicDns, 53), false),
            new("flow.appliance-to-lan-dns", $"appliance → LAN DNS {network.DnsServers[0]}:53", Out("udp", appliance, network.DnsServers[0], 53), true),
            new("flow.appliance-to-ntp", $"appliance → NTP {network.NtpServers[0]}:123", Out("udp", appliance, network.NtpServers[0], 123), true),
            new("flow.appliance-to-lan-share", $"appliance → LAN file share {Host(office, 20)}:445", Out("tcp", appliance, Host(office, 20), 445), true),
        };
        if (config.Backup is { Destination: not null, ShareHost: { } share })
        {
            var sharePort = config.Backup.SharePort;
            cases.Add(new("flow.appliance-to-backup-share", $"appliance → backup share {share}:{sharePort}", Out("tcp", appliance, share, sharePort), true));
            // Inside the office LAN every port is open anyway; outside it, only the share's.
            var otherPort = sharePort == 22 ? 23 : 22;
            cases.Add(new("flow.appliance-to-backup-host-other-port", $"appliance → backup host {share}:{otherPort}", Out("tcp", appliance, share, otherPort),
                network.OfficeSubnets.Any(s => s.Contains(share))));
        }
        if (network.AdminHosts.Count > 0)
        {
            var admin = network.AdminHosts[0].BaseAddress;
            cases.Add(new("flow.admin-to-ssh", $"admin host {admin} → SSH :22", In("tcp", admin, appliance, 22), true));
        }
        if (!network.Ipv6)
            cases.Add(new("flow.ipv6-out", "appliance → any IPv6 address :443",
                new Packet(PfDirection.Out, "en0", PfFamily.Inet6, "tcp", IPAddress.Parse("fd00::2"), 49152, IPAddress.Parse("2001:db8::1"), 443), false));
        return cases;
    }

    public static Packet In(string protocol, IPAddress from, IPAddress to, int port) =>
        new(PfDirection.In, "en0", PfFamily.Inet, protocol, from, 49152, to, port);

    public static Packet Out(string protocol, IPAddress from, IPAddress to, int port) =>
        new(PfDirection.Out, "en0", PfFamily.Inet, protocol, from, 49152, to, port);

    /// <summary>The n-th address of a subnet (or the host itself for a /32).</summary>
    public static IPAddress Host(IPNetwork network, int n)
    {
        if (network.PrefixLength >= 31) return network.BaseAddress;
        var bytes = network.BaseAddress.GetAddressBytes();
        var value = ((uint)bytes[0] << 24 | (uint)bytes[1] << 16 | (uint)bytes[2] << 8 | bytes[3]) + (uint)n;
        return new IPAddress([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);
    }
}
