using System.Net;

namespace Appliance.Config;

// appliance.yaml's network: who may reach the box, what it may reach, its certificate, the update window.
public sealed record NetworkPolicy
{
    [Doc("subnets whose clients may reach the agent"), MinCount(1)]
    public required IReadOnlyList<IPNetwork> OfficeSubnets { get; init; }

    [Doc("hosts (address or CIDR) that may log in over SSH")]
    public IReadOnlyList<IPNetwork> AdminHosts { get; init; } = [];

    [MinCount(1)]
    public required IReadOnlyList<IPAddress> DnsServers { get; init; }

    [MinCount(1)]
    public required IReadOnlyList<IPAddress> NtpServers { get; init; }

    [Range(1, 65535)]
    public int AgentPort { get; init; } = 8443;

    public TlsSettings Tls { get; init; } = new();

    [Doc("a weekly window in which egress opens for macOS updates; absent = never")]
    public UpdateWindow? UpdateWindow { get; init; }

    [Doc("whether the LAN uses IPv6; when false all inet6 traffic is blocked")]
    public bool Ipv6 { get; init; }
}

public sealed record TlsSettings
{
    public bool Enabled { get; init; } = true;

    [Doc("PEM certificate; absent = the provisioner creates a self-signed one")]
    public string? Certificate { get; init; }

    public string? Key { get; init; }
}

public enum Weekday { Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday }

public sealed record UpdateWindow
{
    public required Weekday Day { get; init; }
    public required TimeOnly Start { get; init; }

    [Range(15, 720)]
    public int DurationMinutes { get; init; } = 120;
}
