using System.Security.Cryptography.X509Certificates;
using Appliance.Config;

namespace Appliance.Agent.Hosting;

/// <summary>Where Kestrel listens and with which certificate, from network.agent_port and network.tls.</summary>
public sealed record ListenAddresses(IReadOnlyList<string> Urls, X509Certificate2? Certificate)
{
    public static ListenAddresses From(AgentOptions options)
    {
        var network = options.Config.Network;
        var urls = options.Urls.Count > 0
            ? options.Urls
            : [$"{(network.Tls.Enabled ? "https" : "http")}://0.0.0.0:{network.AgentPort}"];
        var wantsTls = urls.Any(u => u.StartsWith("https:", StringComparison.OrdinalIgnoreCase));
        if (!wantsTls) return new ListenAddresses(urls, null);
        if (network.Tls.Certificate is null || network.Tls.Key is null)
            throw new AgentStartException(
                "network.tls.enabled is true but network.tls.certificate/key are not set: run `provision apply` (it creates a certificate) " +
                "or set them, or listen on http:// with --urls for a test");
        var certificate = ConfigPaths.Resolve(options.ConfigDirectory, network.Tls.Certificate);
        var key = ConfigPaths.Resolve(options.ConfigDirectory, network.Tls.Key);
        try
        {
            return new ListenAddresses(urls, X509Certificate2.CreateFromPemFile(certificate, key));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new AgentStartException($"cannot load the TLS certificate {certificate} with key {key}: {e.Message}");
        }
    }
}

/// <summary>The agent cannot start for a reason the operator can fix; the message says how.</summary>
public sealed class AgentStartException(string message) : Exception(message);
