using System.Text.Json;
using Appliance.Audit.Evidence;
using Appliance.Audit.Pack;
using Appliance.Audit.Signing;

namespace Appliance.Audit.Tests;

/// <summary>
/// A signed query-log excerpt holds only if its signature traces back to the box's audit key and
/// its entries sit, unchanged, on one unbroken chain — whatever the excerpt key itself signed.
/// </summary>
public sealed class LogExcerptTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("log-excerpt").FullName;
    private readonly AuditKey _auditKey = AuditKey.Create();
    private readonly AuditKey _excerptKey = AuditKey.Create();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Five chained entries as the agent hashes them: [seq, time, kind, user, …, previous hash].</summary>
    private static List<ChainEntry> Chain()
    {
        var entries = new List<ChainEntry>();
        var previous = QueryLogChain.Genesis;
        for (var seq = 1; seq <= 5; seq++)
        {
            var payload = JsonSerializer.Serialize(new object?[] { seq, $"2026-12-0{seq}T09:00:00.0000000Z", "query", "emil", "/api/ask", "full", "commit-sha256:00",
                Array.Empty<string>(), 3, 4, 50, 200, null, null, previous });
            var entry = new ChainEntry(seq, previous, QueryLogChain.HashOf(payload), payload);
            entries.Add(entry);
            previous = entry.Hash;
        }
        return entries;
    }

    private static ChainLink Link(ChainEntry e) => new(e.Sequence, e.PreviousHash, e.Hash);

    private PackVerification Verify(IReadOnlyList<ChainEntry> selected, IReadOnlyList<ChainLink> chain, ExcerptKeyCertificate? certificate = null)
    {
        var about = new ExcerptAbout("Test office", new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero), "dora", "user=emil", "full", selected.Count, chain[^1]);
        var file = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".zip");
        File.WriteAllBytes(file, LogExcerpt.Write(about, selected, chain, "seq\r\n", _excerptKey,
            certificate ?? ExcerptKeyCertificate.Issue(_auditKey, _excerptKey.Public)));
        return AuditPackVerifier.Verify(file, _auditKey.Public);
    }

    [Fact]
    public void Entries_two_and_four_on_the_links_up_to_the_head_verify_against_the_audit_key()
    {
        var chain = Chain();
        var verdict = Verify([chain[1], chain[3]], [.. chain.Skip(1).Select(Link)]);
        Assert.True(verdict.Ok, string.Join("\n", verdict.Failures.Select(f => $"{f.Subject}: {f.Detail}")));
        Assert.Contains(verdict.Findings, f => f.Detail.StartsWith("2 entries hash correctly and sit on one unbroken chain of 4 links up to #5"));
    }

    [Fact]
    public void A_link_left_out_between_two_entries_is_named()
    {
        var chain = Chain();
        var verdict = Verify([chain[1], chain[3]], [Link(chain[1]), Link(chain[3]), Link(chain[4])]);
        Assert.Contains(verdict.Failures, f => f.Detail == "the chain breaks between entries #2 and #4");
    }

    [Fact]
    public void An_entry_whose_content_was_changed_before_signing_is_not_the_chains_entry()
    {
        var chain = Chain();
        var forged = chain[3].Payload.Replace("\"emil\"", "\"anna\"", StringComparison.Ordinal);
        var verdict = Verify([chain[1], chain[3] with { Payload = forged, Hash = QueryLogChain.HashOf(forged) }], [.. chain.Skip(1).Select(Link)]);
        Assert.Contains(verdict.Failures, f => f.Detail == "entry 4 is not the chain's entry #4");
    }

    [Fact]
    public void An_excerpt_key_certified_by_another_audit_key_does_not_verify()
    {
        var chain = Chain();
        var verdict = Verify([chain[1]], [.. chain.Skip(1).Select(Link)], ExcerptKeyCertificate.Issue(AuditKey.Create(), _excerptKey.Public));
        Assert.Contains(verdict.Failures, f => f.Subject == ExcerptKeyCertificate.FileName && f.Detail.StartsWith("certified by SHA256:"));
    }

    [Fact]
    public void A_certificate_for_another_excerpt_key_does_not_vouch_for_this_signature()
    {
        var chain = Chain();
        var verdict = Verify([chain[1]], [.. chain.Skip(1).Select(Link)], ExcerptKeyCertificate.Issue(_auditKey, AuditKey.Create().Public));
        Assert.False(verdict.Ok);
        Assert.Contains(verdict.Failures, f => f.Subject is AuditPackWriter.SignatureName or LogExcerpt.ExcerptKeyName);
    }
}
