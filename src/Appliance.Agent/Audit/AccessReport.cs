using System.Globalization;
using Appliance.Agent.Conversations;
using Appliance.Agent.Jobs;
using Appliance.Agent.Documents;
using Appliance.Agent.Identity;
using Appliance.Config;
using Appliance.Rag;

namespace Appliance.Agent.Audit;

/// <summary>Whom an access report is about: an account and/or the ways their name and e-mail are written in documents.</summary>
public sealed record ReportSubject(string? Account, IReadOnlyList<string> Variants)
{
    public const int MaxVariants = 12;
    public const int MaxVariantLength = 200;

    /// <summary>How the security events name the request: the account and the variants, nothing found.</summary>
    public override string ToString() => string.Join("; ", new[] { Account is null ? null : "account " + Account }.OfType<string>()
        .Concat(Variants.Select(v => "\"" + v + "\"")));
}

/// <summary>The account as the box keeps it (no secret).</summary>
public sealed record AccountFacts(string Name, string DisplayName, UserSource Source, IReadOnlyList<string> Roles, IReadOnlyList<string> Groups,
    bool HasPassword, DateTimeOffset? LockedUntil, DateTimeOffset? LastSignIn, string? Language, bool InConfig);

/// <summary>A query of the person as the log keeps it (in its mode: full text, a hash, or nothing).</summary>
public sealed record PersonQuery(long Seq, DateTimeOffset At, string? Route, string QuestionMode, string? Question, int Status,
    IReadOnlyList<AuditEndpoints.NamedDocument> Documents, int OtherDocuments);

/// <summary>One passage of a document where name variants appear (the snippet is around the first variant found in it).</summary>
public sealed record Mention(IReadOnlyList<string> Variants, int? Page, string Section, string Snippet);

/// <summary>
/// A document that mentions the person. <paramref name="SourceFile"/>: the file in an office folder the
/// box does not own — erasing the document here keeps it out of the index, but the office deletes it
/// at its source; null for an upload, which the box deletes itself.
/// </summary>
public sealed record MentioningDocument(string Id, string Title, string Path, bool Upload, string? SourceFile, IReadOnlyList<Mention> Mentions);

public sealed record CollectionMentions(string CollectionId, string Title, IReadOnlyList<MentioningDocument> Documents);

/// <summary>A collection the DPO's groups do not read: not searched, so the report says so instead of implying "nothing there".</summary>
public sealed record UnsearchedCollection(string CollectionId, string Title, IReadOnlyList<string> Groups);

/// <summary>
/// "What does the box hold about this person?" (GDPR Art. 15): the account, its groups and tokens,
/// sign-ins and refusals, their queries in the log's mode, their conversations and attachments, their
/// jobs (what they asked for and the result on their shelf), and
/// every indexed document the DPO may read that mentions one of the name variants, collection by collection.
/// </summary>
/// <param name="VariantsAtLimit">variants that matched as many passages as one search returns: there may be more</param>
public sealed record AccessReport(
    ReportSubject Subject,
    string Appliance,
    DateTimeOffset GeneratedAt,
    string GeneratedBy,
    int RetentionDays,
    AccountFacts? Account,
    IReadOnlyList<ApiTokenInfo> Tokens,
    IReadOnlyList<SecurityEvent> SignIns,
    string QuestionMode,
    IReadOnlyList<PersonQuery> Queries,
    IReadOnlyList<PersonConversation> Conversations,
    IReadOnlyList<JobView> Jobs,
    IReadOnlyList<CollectionMentions> Documents,
    IReadOnlyList<UnsearchedCollection> NotSearched,
    IReadOnlyList<string> VariantsAtLimit);

/// <summary>Builds an access report from the stores as they are now. Reads only; the caller records that it ran.</summary>
public sealed class AccessReportBuilder(ApplianceConfig config, IdentityStore identity, SecurityEvents events, QueryLog log, ConversationStore conversations,
    JobStore jobStore, DocumentLibrary library, SourceFiles sourceFiles, TimeProvider clock)
{
    /// <summary>Passages one variant's search returns at most (the library's top-k ceiling).</summary>
    public const int PassagesPerVariant = 100;
    private const int MaxRows = 5_000;
    private const int SnippetLength = 220;

    public async Task<AccessReport> BuildAsync(ReportSubject subject, Caller dpo, CancellationToken ct)
    {
        var account = subject.Account is { } name ? await identity.FindAsync(name, ct) : null;
        AccountFacts? facts = null;
        IReadOnlyList<ApiTokenInfo> tokens = [];
        IReadOnlyList<SecurityEvent> signIns = [];
        IReadOnlyList<PersonQuery> queries = [];
        IReadOnlyList<PersonConversation> held = [];
        IReadOnlyList<JobView> jobs = [];
        if (account is not null)
        {
            facts = new AccountFacts(account.Name, account.DisplayName, account.Source, [.. account.Roles.Select(RoleNames.Of)], account.Groups,
                account.HasPassword, account.LockedUntil, account.LastSignIn, await identity.LanguageAsync(account.Name, ct),
                config.Auth.Users.Any(u => u.Name == account.Name));
            tokens = await identity.ListTokensAsync(account.Name, ct);
            signIns = (await events.FindAsync(new SecurityEventFilter(account.Name, null, null, null), null, MaxRows, ct)).Events
                .Where(e => e.Kind != SecurityEventKind.AccessReport).ToList();
            var names = await AuditEndpoints.DocumentNamesAsync(dpo, library, ct);
            queries = [.. (await log.FindAsync(LogFilter.All with { User = account.Name }, null, MaxRows, ct)).Entries.Select(e =>
            {
                var row = AuditEndpoints.Row(e, names);
                return new PersonQuery(e.Seq, e.At, e.Route, e.QuestionMode, e.Question, e.Status, row.Documents, row.OtherDocuments);
            })];
            held = await conversations.PersonDataAsync(account.Name, ct);
            jobs = await JobEndpoints.ViewsAsync(jobStore, account.Name, ct);
        }
        var (documents, atLimit) = await MentionsAsync(subject.Variants, dpo, ct);
        var readable = library.Collections(dpo.Groups).Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var notSearched = config.Rag.Collections.Where(c => !readable.Contains(c.Id)).Select(c => new UnsearchedCollection(c.Id, c.Title, c.Groups)).ToList();
        return new AccessReport(subject, config.Appliance.Name, clock.GetUtcNow(), dpo.Name, config.Privacy.RetentionDays, facts, tokens, signIns,
            log.ModeName, queries, held, jobs, documents, notSearched, atLimit);
    }

    /// <summary>
    /// Each variant searched lexically over the collections the DPO may read (the group filter as for
    /// any search), then each passage checked to hold the variant itself — as a whole word or phrase,
    /// ignoring case and accents — so "Lars" finds "lars" and "Lárs" but neither "Larsen" nor a passage
    /// that only shares a stem with it.
    /// </summary>
    private async Task<(IReadOnlyList<CollectionMentions>, IReadOnlyList<string>)> MentionsAsync(IReadOnlyList<string> variants, Caller dpo, CancellationToken ct)
    {
        // Per document, per passage (its first character): the variants found there, and a snippet around the first.
        var found = new Dictionary<string, (string Collection, string Title, string Path, SortedDictionary<int, (int? Page, string Section, string Snippet, List<string> Variants)> Passages)>(StringComparer.Ordinal);
        var atLimit = new List<string>();
        foreach (var variant in variants)
        {
            var hits = await library.SearchAsync(new SearchRequest(variant, dpo.Groups, PassagesPerVariant) { Ranking = Ranking.Lexical }, ct);
            if (hits.Count >= PassagesPerVariant) atLimit.Add(variant);
            foreach (var hit in hits)
            {
                if (Find(hit.Text, variant) is not { } at) continue;
                if (!found.TryGetValue(hit.DocumentId, out var document))
                    found[hit.DocumentId] = document = (hit.Citation.CollectionId, hit.Title, hit.Path, []);
                if (document.Passages.TryGetValue(hit.Citation.StartChar, out var passage)) passage.Variants.Add(variant);
                else document.Passages[hit.Citation.StartChar] = (hit.Page, hit.Section, SnippetAround(hit.Text, at, variant.Length), [variant]);
            }
        }
        var infos = (await library.ListDocumentsAsync(dpo.Groups, ct)).ToDictionary(d => d.Id, StringComparer.Ordinal);
        var titles = config.Rag.Collections.ToDictionary(c => c.Id, c => c.Title, StringComparer.Ordinal);
        var byCollection = found
            .Select(kv => (Id: kv.Key, kv.Value.Collection, Document: ToDocument(kv.Key, kv.Value.Title, kv.Value.Path,
                [.. kv.Value.Passages.Values.Select(p => new Mention(p.Variants, p.Page, p.Section, p.Snippet))], infos.GetValueOrDefault(kv.Key))))
            .GroupBy(d => d.Collection, StringComparer.Ordinal)
            .OrderBy(g => config.Rag.Collections.ToList().FindIndex(c => c.Id == g.Key))
            .Select(g => new CollectionMentions(g.Key, titles.GetValueOrDefault(g.Key, g.Key),
                [.. g.Select(d => d.Document).OrderBy(d => d.Path, StringComparer.Ordinal)]))
            .ToList();
        return (byCollection, atLimit);
    }

    private MentioningDocument ToDocument(string id, string title, string path, List<Mention> mentions, DocumentInfo? info)
    {
        var upload = path.StartsWith("uploads/", StringComparison.Ordinal);
        var source = upload || info is null ? null : sourceFiles.Locate(info);
        return new MentioningDocument(id, title, path, upload, source, mentions);
    }

    /// <summary>Where <paramref name="variant"/> stands in <paramref name="text"/> as a whole word or phrase, ignoring case and accents.</summary>
    internal static int? Find(string text, string variant)
    {
        var compare = CultureInfo.InvariantCulture.CompareInfo;
        for (var from = 0; from <= text.Length - 1;)
        {
            var found = compare.IndexOf(text.AsSpan(from), variant, CompareOptions.IgnoreCase | CompareOptions.IgnoreNonSpace, out var length);
            if (found < 0) return null;
            var at = from + found;
            var before = at == 0 || !char.IsLetterOrDigit(text[at - 1]);
            var after = at + length >= text.Length || !char.IsLetterOrDigit(text[at + length]);
            if (before && after) return at;
            from = at + 1;
        }
        return null;
    }

    private static string SnippetAround(string text, int at, int length)
    {
        text = text.Replace('\n', ' ');
        var start = Math.Max(0, at - (SnippetLength - length) / 2);
        var end = Math.Min(text.Length, start + SnippetLength);
        start = Math.Max(0, end - SnippetLength);
        return (start > 0 ? "…" : "") + text[start..end].Trim() + (end < text.Length ? "…" : "");
    }
}
