using Appliance.Audit.Evidence;
using Appliance.Audit.Pack;
using Appliance.Audit.Render;
using Appliance.Audit.Signing;
using Appliance.Provision.Controls;

namespace Appliance.Provision.AuditPack;

/// <summary>What building a pack gave: its evidence (for the summary) and the key that signed it.</summary>
public sealed record SignedPackResult(string File, AuditEvidence Evidence, AuditPublicKey Key, bool KeyCreated);

/// <summary>One signed audit pack from the live box: inputs collected, signed with the box's audit key, written as a zip.</summary>
public static class SignedPack
{
    /// <param name="verify">a verify just run, or null to run one</param>
    /// <param name="language">the pack's language; null: privacy.report_language (what the nightly pack uses)</param>
    public static async Task<SignedPackResult> WriteAsync(ProvisioningSession session, AuditPeriod period, DateTimeOffset createdAt, string zipPath,
        VerifyReport? verify, CancellationToken ct, Appliance.Config.ReportLanguage? language = null)
    {
        var (key, created) = await AuditKeyOnBox.LoadOrCreateAsync(session.Target, ct);
        var inputs = verify is null
            ? await AuditInputsCollector.CollectAsync(session, period, createdAt, ct, language)
            : await AuditInputsCollector.CollectAsync(session, period, createdAt, verify, ct, language);
        var evidence = new AuditPackWriter(HtmlReport.FromShippedTemplates(), new PdfReport()).Write(inputs, key, zipPath);
        return new SignedPackResult(zipPath, evidence, key.Public, created);
    }

    /// <summary>The default period: the last 30 days up to the creation day.</summary>
    public static AuditPeriod LastThirtyDays(DateTimeOffset createdAt)
    {
        var today = DateOnly.FromDateTime(createdAt.UtcDateTime);
        return new AuditPeriod(today.AddDays(-30), today);
    }
}
