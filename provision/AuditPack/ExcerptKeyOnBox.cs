using Appliance.Audit.Signing;
using Appliance.Provision.Apply;
using Appliance.Provision.Desired;
using Appliance.Provision.Targets;
using Appliance.Provision.Resources;

namespace Appliance.Provision.AuditPack;

/// <summary>
/// The nightly job's word for the agent's excerpt key: the agent signs the query-log excerpts a DPO
/// exports with a key of its own (it cannot read the audit key); root signs that key's public half
/// with the audit key and leaves the certificate on the pack shelf, which the agent reads but cannot write.
/// </summary>
public static class ExcerptKeyOnBox
{
    /// <summary>Certifies the agent's current excerpt key; false when the agent has not made one yet (it does at its first start).</summary>
    public static async Task<bool> CertifyAsync(ITarget target, Layout layout, CancellationToken ct)
    {
        var publicFile = layout.Data + "/" + ExcerptKeyCertificate.AgentKeyRelative + ".pub";
        if (await target.ReadFileAsync(publicFile, ct) is not { } text) return false;
        var excerptKey = AuditPublicKey.Parse(System.Text.Encoding.UTF8.GetString(text));
        var (auditKey, _) = await AuditKeyOnBox.LoadOrCreateAsync(target, ct);
        var certificate = ExcerptKeyCertificate.Issue(auditKey, excerptKey);
        var result = await new StepRunner(target).RunAsync(new WriteFile(layout.Data + "/" + ExcerptKeyCertificate.RelativePath, certificate.ToJson(),
            "root", Layout.Account, Modes.FileGroupReads) { Resource = "audit pack shelf" }, ct);
        if (!result.Succeeded) throw new IOException($"cannot certify the agent's excerpt key: {result.Detail}");
        return true;
    }
}
