using System.Net;
using System.Text;
using Appliance.Config;
using Appliance.Provision.Desired;
using Appliance.Provision.Firewall;
using Appliance.Provision.Templates;
using FsCheck;
using FsCheck.Fluent;

namespace Appliance.Provision.Tests;

/// <summary>The firewall proof: pf semantics, the matrix for the example office, and the no-leak property.</summary>
public sealed class FirewallTests
{
    private static readonly TemplateSet Templates = TemplateSet.Load();
    private static readonly ApplianceConfig Example = ConfigLoader.Load(Path.Combine(TestBox.RepositoryRoot, "appliance.yaml")).Require();

    private static IReadOnlyList<PfRule> RulesFor(ApplianceConfig config) =>
        PfParser.Parse(Encoding.UTF8.GetString(DesiredState.RenderAnchor(config, Templates)));

    [Fact]
    public void Quick_rules_win_at_once_otherwise_the_last_match_wins_and_no_match_passes()
    {
        var rules = PfParser.Parse("""
            block out proto tcp from any to any port 443
            pass out proto tcp from any to 10.0.0.0/8 port 443
            block drop out quick proto udp from any to any port 53
            pass out proto udp from any to any port 53
            """);
        var lan = FirewallMatrix.Out("tcp", IPAddress.Parse("10.0.0.2"), IPAddress.Parse("10.1.2.3"), 443);
        var wan = FirewallMatrix.Out("tcp", IPAddress.Parse("10.0.0.2"), IPAddress.Parse("1.2.3.4"), 443);
        var dns = FirewallMatrix.Out("udp", IPAddress.Parse("10.0.0.2"), IPAddress.Parse("1.2.3.4"), 53);
        var other = FirewallMatrix.Out("tcp", IPAddress.Parse("10.0.0.2"), IPAddress.Parse("1.2.3.4"), 80);
        Assert.True(PfEvaluator.Evaluate(rules, lan).Passes);
        Assert.False(PfEvaluator.Evaluate(rules, wan).Passes);
        Assert.False(PfEvaluator.Evaluate(rules, dns).Passes);
        Assert.True(PfEvaluator.Evaluate(rules, other).Passes);
        Assert.Null(PfEvaluator.Evaluate(rules, other).Rule);
    }

    [Fact]
    public void Rules_as_pfctl_prints_them_parse_to_the_same_rules_as_the_template()
    {
        var printed = PfParser.Parse("""
            pass out quick inet proto tcp from any to 192.168.10.1 port = 53 keep state
            pass out quick inet proto udp from any to 192.168.10.1 port = 53 keep state
            """);
        var written = PfParser.Parse("pass out quick inet proto { tcp udp } from any to 192.168.10.1 port 53");
        Assert.Equal(written.Select(r => r.ToString()), printed.Select(r => r.ToString()));
        var error = Assert.Throws<FormatException>(() => PfParser.Parse("pass out quick all\nrdr pass on en0 proto tcp to port 80"));
        Assert.Contains("pf line 2", error.Message);
    }

    [Fact]
    public void The_example_office_gets_the_matrix_the_config_intends()
    {
        var rules = RulesFor(Example);
        var cases = FirewallMatrix.Cases(Example);
        Assert.All(cases, c => Assert.True(PfEvaluator.Evaluate(rules, c.Packet).Passes == c.ShouldPass, $"{c.Id}: {c.Description}"));
        Assert.Contains(cases, c => c.Id == "flow.appliance-to-public-https" && !c.ShouldPass);
        Assert.Contains(cases, c => c.Id == "flow.office-to-agent" && c.ShouldPass);
        Assert.Contains(cases, c => c.Id == "flow.appliance-to-lan-dns" && c.ShouldPass);
        Assert.Equal(PfAction.Block, rules[^1].Action);
        Assert.All(rules, r => Assert.True(r.Quick, $"not quick: {r}"));
    }

    [Fact]
    public void A_backup_share_outside_the_office_LAN_is_reachable_on_its_port_only()
    {
        var config = Example with { Backup = new BackupSettings { Destination = "/Volumes/Backup", ShareHost = IPAddress.Parse("10.20.0.5"), SharePort = 445 } };
        var anchor = Encoding.UTF8.GetString(DesiredState.RenderAnchor(config, Templates));
        Assert.Contains("pass out quick inet proto tcp from any to 10.20.0.5 port 445", anchor);
        var rules = RulesFor(config);
        var cases = FirewallMatrix.Cases(config);
        Assert.All(cases, c => Assert.True(PfEvaluator.Evaluate(rules, c.Packet).Passes == c.ShouldPass, $"{c.Id}: {c.Description}"));
        Assert.Contains(cases, c => c.Id == "flow.appliance-to-backup-share" && c.ShouldPass);
        Assert.Contains(cases, c => c.Id == "flow.appliance-to-backup-host-other-port" && !c.ShouldPass);
        Assert.DoesNotContain("10.20.0.5", Encoding.UTF8.GetString(DesiredState.RenderAnchor(Example, Templates)));
    }

    [Fact]
    public void During_the_update_window_only_web_egress_opens_and_DNS_stays_on_the_LAN()
    {
        var config = Example;
        var desired = DesiredState.From(config, "", Templates, "/nonexistent");
        var window = (Resources.ManagedFile)desired.Resources.Single(r => r.Id == "file /etc/pf.anchors/com.appliance.update-window");
        var closed = RulesFor(config);
        // The sub-anchor sits just before the final block, where the open job loads the window's rules.
        IReadOnlyList<PfRule> open = [.. closed.Take(closed.Count - 1), .. PfParser.Parse(Encoding.UTF8.GetString(window.Content)), closed[^1]];
        var update = FirewallMatrix.Out("tcp", IPAddress.Parse("192.168.10.2"), IPAddress.Parse("17.253.144.10"), 443);
        var dns = FirewallMatrix.Out("udp", IPAddress.Parse("192.168.10.2"), FirewallMatrix.PublicDns, 53);
        Assert.False(PfEvaluator.Evaluate(closed, update).Passes);
        Assert.True(PfEvaluator.Evaluate(open, update).Passes);
        Assert.False(PfEvaluator.Evaluate(open, dns).Passes);
        Assert.Contains(desired.Resources, r => r.Id == "launchd com.appliance.update-window.close");
    }

    public sealed record Office(IReadOnlyList<IPNetwork> Subnets, IReadOnlyList<IPAddress> Dns, IReadOnlyList<IPAddress> Ntp, IReadOnlyList<IPNetwork> Admins, int Port);
    public sealed record Probe(string Protocol, IPAddress Destination, int SourcePort, int Port);

    private static Gen<IPAddress> Address() =>
        from a in Gen.Choose(1, 223) from b in Gen.Choose(0, 255) from c in Gen.Choose(0, 255) from d in Gen.Choose(1, 254)
        select new IPAddress([(byte)a, (byte)b, (byte)c, (byte)d]);

    private static Gen<IPNetwork> Subnet() =>
        from address in Address() from prefix in Gen.Choose(16, 30)
        select new IPNetwork(Mask(address, prefix), prefix);

    private static IPAddress Mask(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        var value = (uint)(bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]) & (uint.MaxValue << (32 - prefix));
        return new IPAddress([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);
    }

    private static Gen<Office> Offices() =>
        from subnets in Gen.ListOf(Subnet()).Where(l => l.Count is >= 1 and <= 3)
        from dns in Gen.ListOf(Address()).Where(l => l.Count is >= 1 and <= 2)
        from ntp in Gen.ListOf(Address()).Where(l => l.Count is >= 1 and <= 2)
        from admins in Gen.ListOf(Subnet()).Where(l => l.Count <= 2)
        from port in Gen.Choose(1024, 65535)
        select new Office([.. subnets], [.. dns], [.. ntp], [.. admins], port);

    private static Gen<Probe> Probes(Office office) =>
        from protocol in Gen.Elements("tcp", "udp")
        from kind in Gen.Choose(0, 3)
        from random in Address()
        from pick in Gen.Choose(0, 100)
        from port in Gen.Elements(53, 123, 443, 80, 67, 22, 8443, 5353, 3478)
        from sourcePort in Gen.Elements(68, 49152)
        let destination = kind switch
        {
            0 => random,
            1 => office.Dns[pick % office.Dns.Count],
            2 => office.Ntp[pick % office.Ntp.Count],
            _ => FirewallMatrix.Host(office.Subnets[pick % office.Subnets.Count], 1),
        }
        select new Probe(protocol, destination, sourcePort, port);

    /// <summary>
    /// The property the audit pack relies on: for any office network and any outbound packet, the
    /// rules let it through only to the office LAN, to a configured DNS server on 53, to a configured
    /// NTP server on 123/udp, or as a DHCP request. Nothing else leaves the box.
    /// </summary>
    [Fact]
    public void No_packet_leaves_for_an_address_outside_the_LAN_unless_the_config_allows_it()
    {
        var cases = from office in Offices() from probe in Probes(office) select (office, probe);
        var property = Prop.ForAll(Arb.From(cases), pair =>
        {
            var (office, probe) = pair;
            var config = Example with
            {
                Network = Example.Network with
                {
                    OfficeSubnets = office.Subnets, DnsServers = office.Dns, NtpServers = office.Ntp, AdminHosts = office.Admins, AgentPort = office.Port,
                },
            };
            var packet = new Packet(PfDirection.Out, "en0", PfFamily.Inet, probe.Protocol, IPAddress.Parse("10.255.255.2"), probe.SourcePort, probe.Destination, probe.Port);
            var passes = PfEvaluator.Evaluate(RulesFor(config), packet).Passes;
            var inLan = office.Subnets.Any(s => s.Contains(probe.Destination));
            var allowed =
                (inLan && probe.Port is not (53 or 123))
                || (office.Dns.Contains(probe.Destination) && probe.Port == 53)
                || (office.Ntp.Contains(probe.Destination) && probe.Port == 123 && probe.Protocol == "udp")
                || (probe.Protocol == "udp" && probe.SourcePort == 68 && probe.Port == 67);
            return passes == allowed;
        });
        Check.One(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(300), property);
    }
}
