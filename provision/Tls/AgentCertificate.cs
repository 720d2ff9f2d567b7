using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Appliance.Config;

namespace Appliance.Provision.Tls;

/// <summary>The agent's TLS certificate and key as PEM text.</summary>
public sealed record CertificatePair(string CertificatePem, string KeyPem);

/// <summary>
/// The certificate the agent serves HTTPS with: the files the config names, or a self-signed one
/// for the box's host name. A self-signed pair is made once and kept beside the config in
/// .cache/tls/, so every later plan ships the same bytes (and plans stay no-ops).
/// </summary>
public static class AgentCertificate
{
    public static CertificatePair For(ApplianceConfig config, string configDirectory)
    {
        var tls = config.Network.Tls;
        if (tls.Certificate is not null && tls.Key is not null)
            return new CertificatePair(File.ReadAllText(ConfigPaths.Resolve(configDirectory, tls.Certificate)),
                File.ReadAllText(ConfigPaths.Resolve(configDirectory, tls.Key)));

        var folder = Path.Combine(configDirectory, ".cache", "tls");
        var certFile = Path.Combine(folder, config.Appliance.Hostname + ".crt");
        var keyFile = Path.Combine(folder, config.Appliance.Hostname + ".key");
        if (File.Exists(certFile) && File.Exists(keyFile)) return new CertificatePair(File.ReadAllText(certFile), File.ReadAllText(keyFile));

        var pair = SelfSigned(config.Appliance.Hostname);
        Directory.CreateDirectory(folder);
        File.WriteAllText(certFile, pair.CertificatePem);
        File.WriteAllText(keyFile, pair.KeyPem);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return pair;
    }

    public static CertificatePair SelfSigned(string hostname)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={hostname}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(hostname);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        // 825 days: the longest validity Apple platforms accept for TLS server certificates.
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(825));
        return new CertificatePair(certificate.ExportCertificatePem() + "\n", key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    public static byte[] Bytes(string pem) => Encoding.ASCII.GetBytes(pem);
}
