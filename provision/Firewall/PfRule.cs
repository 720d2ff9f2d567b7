using System.Net;

namespace Appliance.Provision.Firewall;

public enum PfAction { Pass, Block }
public enum PfDirection { Any, In, Out }
public enum PfFamily { Any, Inet, Inet6 }

/// <summary>An address match: any, or a network (a host is a /32 or /128).</summary>
public sealed record PfAddress(IPNetwork? Network)
{
    public static readonly PfAddress Any = new((IPNetwork?)null);
    public bool Matches(IPAddress address) => Network is not { } n || n.Contains(address);
    public override string ToString() => Network?.ToString() ?? "any";
}

/// <summary>
/// One pf filter rule after list expansion (`proto { tcp udp }` becomes two rules), in the subset
/// of pf syntax the templates produce. Port null = any port. Protocol null = any protocol.
/// </summary>
public sealed record PfRule(
    PfAction Action, PfDirection Direction, bool Quick, string? Interface, PfFamily Family, string? Protocol,
    PfAddress From, int? FromPort, PfAddress To, int? ToPort)
{
    public bool Matches(Packet packet) =>
        (Direction == PfDirection.Any || Direction == packet.Direction)
        && (Interface is null || Interface == packet.Interface)
        && (Family == PfFamily.Any || Family == packet.Family)
        && (Protocol is null || Protocol == packet.Protocol)
        && From.Matches(packet.Source) && (FromPort is null || FromPort == packet.SourcePort)
        && To.Matches(packet.Destination) && (ToPort is null || ToPort == packet.DestinationPort);

    /// <summary>One canonical spelling, so rules written by the template and printed by pfctl compare equal.</summary>
    public override string ToString()
    {
        var words = new List<string> { Action == PfAction.Pass ? "pass" : "block drop" };
        if (Direction != PfDirection.Any) words.Add(Direction == PfDirection.In ? "in" : "out");
        if (Quick) words.Add("quick");
        if (Interface is not null) words.AddRange(["on", Interface]);
        if (Family != PfFamily.Any) words.Add(Family == PfFamily.Inet ? "inet" : "inet6");
        if (Protocol is not null) words.AddRange(["proto", Protocol]);
        if (From.Network is null && FromPort is null && To.Network is null && ToPort is null) words.Add("all");
        else
        {
            words.AddRange(["from", From.ToString()]);
            if (FromPort is not null) words.AddRange(["port", FromPort.ToString()!]);
            words.AddRange(["to", To.ToString()]);
            if (ToPort is not null) words.AddRange(["port", ToPort.ToString()!]);
        }
        return string.Join(' ', words);
    }
}

/// <summary>The first packet of a connection, as pf sees it on the appliance.</summary>
public sealed record Packet(PfDirection Direction, string Interface, PfFamily Family, string Protocol,
    IPAddress Source, int SourcePort, IPAddress Destination, int DestinationPort)
{
    public override string ToString() => $"{Direction.ToString().ToLowerInvariant()} {Protocol} {Source}:{SourcePort} → {Destination}:{DestinationPort} on {Interface}";
}
