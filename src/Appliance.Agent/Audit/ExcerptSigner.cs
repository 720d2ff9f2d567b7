using Appliance.Audit.Signing;

namespace Appliance.Agent.Audit;

/// <summary>
/// The agent's own signing key for query-log excerpts (data/audit/excerpt-key, owner-only), made at
/// the first start. The agent cannot read the box's audit key, so the nightly job (root) certifies
/// this key with it (<see cref="ExcerptKeyCertificate"/>); until then the agent signs nothing.
/// </summary>
public sealed class ExcerptSigner
{
    private readonly string _dataFolder;
    private readonly AuditKey _key;

    private ExcerptSigner(string dataFolder, AuditKey key) => (_dataFolder, _key) = (dataFolder, key);

    public AuditPublicKey PublicKey => _key.Public;

    public string CertificateFile => Path.Combine(_dataFolder, ExcerptKeyCertificate.RelativePath);

    public static ExcerptSigner Open(string dataFolder)
    {
        var file = Path.Combine(dataFolder, ExcerptKeyCertificate.AgentKeyRelative);
        AuditKey key;
        if (File.Exists(file)) key = AuditKey.Load(file);
        else
        {
            key = AuditKey.Create();
            key.Save(file);
        }
        return new ExcerptSigner(dataFolder, key);
    }

    /// <summary>The key with the audit key's certificate for it; null (and why) while there is no valid certificate for this very key.</summary>
    public (AuditKey Key, ExcerptKeyCertificate Certificate)? Certified(out string? why)
    {
        why = null;
        if (!File.Exists(CertificateFile))
        {
            why = "the nightly job has not certified the agent's excerpt key yet";
            return null;
        }
        var certificate = ExcerptKeyCertificate.Parse(File.ReadAllBytes(CertificateFile));
        if (certificate is null)
        {
            why = "the certificate file is damaged";
            return null;
        }
        if (certificate.Problem() is { } problem)
        {
            why = problem;
            return null;
        }
        if (certificate.ExcerptKey != _key.Public.ToText())
        {
            why = "the certificate is for another excerpt key (the agent's key was replaced since the last nightly run)";
            return null;
        }
        return (_key, certificate);
    }
}
