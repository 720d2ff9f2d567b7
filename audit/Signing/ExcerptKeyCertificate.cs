using System.Text;
using System.Text.Json;

namespace Appliance.Audit.Signing;

/// <summary>
/// The audit key's word that a key is the agent's excerpt key. The agent cannot read the audit key
/// (root only), so it signs the query-log excerpts a DPO exports with a key of its own; the nightly
/// job (root) signs that key's public half with the audit key. An excerpt carries both, so
/// `audit verify` traces its signature back to the audit key whose fingerprint is in every pack.
/// </summary>
/// <param name="ExcerptKey">the agent's public key, as <see cref="AuditPublicKey.ToText"/> writes it</param>
/// <param name="AuditKey">the audit public key that signed</param>
/// <param name="Signature">base64 of the audit key's Ed25519 signature over <see cref="Statement"/></param>
public sealed record ExcerptKeyCertificate(string ExcerptKey, string AuditKey, string Signature)
{
    public const string FileName = "excerpt-key.cert";

    /// <summary>The agent's excerpt key, relative to its data folder (owner-only; its public half beside it as .pub).</summary>
    public const string AgentKeyRelative = "audit/excerpt-key";

    /// <summary>Where the nightly job (root) puts the certificate: on the pack shelf, which the agent reads but cannot write.</summary>
    public const string RelativePath = Pack.PackShelf.RelativeFolder + "/" + FileName;

    /// <summary>What the audit key signs: a fixed line naming the purpose, then the excerpt key (so the signature cannot be reused for anything else).</summary>
    public static byte[] Statement(AuditPublicKey excerptKey) =>
        Encoding.UTF8.GetBytes("appliance query-log excerpt key v1\n" + excerptKey.ToText());

    public static ExcerptKeyCertificate Issue(AuditKey auditKey, AuditPublicKey excerptKey) =>
        new(excerptKey.ToText(), auditKey.Public.ToText(), Convert.ToBase64String(auditKey.Sign(Statement(excerptKey))));

    /// <summary>The certificate as its file holds it (snake_case JSON, like every file of a pack).</summary>
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Pack.AuditJson.Options);

    /// <summary>A certificate file's content; null when it is not one.</summary>
    public static ExcerptKeyCertificate? Parse(byte[] json)
    {
        try
        {
            return JsonSerializer.Deserialize<ExcerptKeyCertificate>(json, Pack.AuditJson.Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Null when the certificate holds: the audit key it names signed exactly this excerpt key; else why not.</summary>
    public string? Problem()
    {
        AuditPublicKey excerpt, audit;
        byte[] signature;
        try
        {
            (excerpt, audit, signature) = (AuditPublicKey.Parse(ExcerptKey), AuditPublicKey.Parse(AuditKey), Convert.FromBase64String(Signature));
        }
        catch (Exception e) when (e is InvalidDataException or FormatException)
        {
            return "the certificate is damaged: " + e.Message;
        }
        return signature.Length == 64 && audit.Verifies(Statement(excerpt), signature)
            ? null
            : $"the audit key {audit.Fingerprint} did not sign this excerpt key";
    }
}
