using System.Net;
using System.Net.Sockets;

namespace Appliance.Agent.Hosting;

/// <summary>
/// What to tell the operator when Kestrel cannot bind: which port is taken, and the setting that
/// chose it (network.agent_port in the config file, or --urls) — one line, no stack trace.
/// </summary>
public static class BusyPort
{
    public static string Describe(AgentOptions options)
    {
        var ports = ListenAddresses.From(options).Urls.Select(u => BindingAddress.Parse(u).Port).Distinct().ToList();
        // With several addresses, name the ones actually taken; with one, that is the one.
        var busy = ports.Count == 1 ? ports : [.. ports.Where(IsTaken)];
        var which = string.Join(", ", (busy.Count > 0 ? busy : ports).Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var setting = options.Urls.Count > 0 ? "set by --urls" : $"network.agent_port in {options.ConfigFile}";
        return $"port {which} is in use ({setting}); stop the program using it or choose another port";
    }

    private static bool IsTaken(int port)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Bind(new IPEndPoint(IPAddress.Any, port));
            return false;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return true;
        }
    }
}
