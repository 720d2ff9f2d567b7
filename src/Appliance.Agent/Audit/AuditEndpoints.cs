using Appliance.Agent.Hosting;
using Appliance.Agent.Identity;
using Appliance.Audit.Evidence;
using Appliance.Audit.Pack;
using Appliance.Config;
using Appliance.Rag;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Appliance.Agent.Audit;

/// <summary>/api/audit: what the DPO reads — the query log with its chain check, the live evidence, the signed packs.</summary>
public static class AuditEndpoints
{
    /// <summary>A document an entry returned, named for the DPO when they may read it.</summary>
    public sealed record NamedDocument(string Id, string CollectionId, string Path, string Title);

    /// <summary>An entry as stored, plus the documents it returned by name (those the DPO may read) and how many others.</summary>
    public sealed record LogRow(QueryLogEntry Entry, IReadOnlyList<NamedDocument> Documents, int OtherDocuments);

    /// <param name="Total">entries in the log</param>
    /// <param name="Matching">entries the filter selects</param>
    /// <param name="NextBefore">pass as <c>before</c> for the next (older) page; null on the last page</param>
    public sealed record LogPage(ChainVerdict Chain, long Total, long Matching, string QuestionMode, IReadOnlyList<QueryLogEntry> Entries,
        IReadOnlyList<LogRow> Rows, long? NextBefore);

    /// <summary>
    /// GET /api/audit/log?user=&amp;route=&amp;collection=&amp;outcome=answered|refused|failed&amp;from=YYYY-MM-DD&amp;to=YYYY-MM-DD&amp;before=SEQ&amp;limit=N:
    /// the query log newest first, filtered, a page at a time through the whole retention; days are the box's.
    /// </summary>
    public static async Task<IResult> LogAsync(HttpContext context, QueryLog log, DocumentLibrary library, ApplianceConfig config, TimeProvider clock,
        string? user, string? route, string? collection, string? outcome, string? from, string? to, long? before, int? limit, CancellationToken ct)
    {
        if (await ParseFilterAsync(user, route, collection, outcome, from, to, clock, library, config, ct) is not { } filter)
            return BadFilter();
        var size = Math.Clamp(limit ?? 100, 1, 1000);
        var (entries, matching) = await log.FindAsync(filter, before, size, ct);
        var names = await DocumentNamesAsync(context, library, ct);
        var rows = entries.Select(e => Row(e, names)).ToList();
        return TypedResults.Ok(new LogPage(await log.VerifyAsync(ct), await log.CountAsync(ct), matching, log.ModeName, entries, rows,
            entries.Count == size ? entries[^1].Seq : null));
    }

    /// <summary>GET /api/audit/log.csv with the same filter: every matching entry, for a spreadsheet or the file.</summary>
    public static async Task<IResult> LogCsvAsync(HttpContext context, QueryLog log, DocumentLibrary library, ApplianceConfig config, TimeProvider clock,
        string? user, string? route, string? collection, string? outcome, string? from, string? to, CancellationToken ct)
    {
        if (await ParseFilterAsync(user, route, collection, outcome, from, to, clock, library, config, ct) is not { } filter)
            return BadFilter();
        var (entries, _) = await log.FindAsync(filter, null, MaxCsvRows, ct);
        var csv = Csv(entries, await DocumentNamesAsync(context, library, ct), clock);
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"query-log-{clock.GetLocalNow():yyyyMMdd-HHmm}.csv\"";
        return TypedResults.Text(csv, "text/csv; charset=utf-8");
    }

    /// <summary>
    /// GET /api/audit/log.excerpt with the same filter: the matching entries as a signed excerpt
    /// (<see cref="LogExcerpt"/>) that `provision audit verify` checks; 409 with advice while the
    /// nightly job has not certified the agent's excerpt key.
    /// </summary>
    public static async Task<IResult> LogExcerptAsync(Caller caller, HttpContext context, QueryLog log, DocumentLibrary library, ApplianceConfig config, TimeProvider clock,
        ExcerptSigner signer, AgentOptions options, string? user, string? route, string? collection, string? outcome, string? from, string? to, CancellationToken ct)
    {
        if (await ParseFilterAsync(user, route, collection, outcome, from, to, clock, library, config, ct) is not { } filter)
            return BadFilter();
        if (signer.Certified(out var why) is not { } signing)
        {
            var command = $"sudo \"{Path.Combine(AppContext.BaseDirectory, "provision")}\" nightly --target local --config \"{options.ConfigFile}\"";
            return TypedResults.Problem(statusCode: 409, title: "excerpt key not certified",
                detail: $"Signed excerpts need the box's audit key's word for the agent's key: {why}. The nightly job ({PackShelf.NightlyTime} box time, as root) " +
                        $"certifies it; to do it now, run on the box: {command}",
                extensions: new Dictionary<string, object?> { ["build_now"] = command });
        }
        var (newestFirst, _) = await log.FindAsync(filter, null, MaxCsvRows, ct);
        var entries = newestFirst.Reverse().ToList();
        var chain = entries.Count == 0 ? [] : await log.LinksFromAsync(entries[0].Seq, ct);
        var described = string.Join("; ", new[] { ("user", user), ("route", route), ("collection", collection), ("outcome", outcome), ("from", from), ("to", to) }
            .Where(p => !string.IsNullOrWhiteSpace(p.Item2)).Select(p => $"{p.Item1}={p.Item2!.Trim()}"));
        var about = new ExcerptAbout(config.Appliance.Name, clock.GetUtcNow(), caller.Name, described.Length == 0 ? "all entries" : described,
            log.ModeName, entries.Count, chain.Count > 0 ? chain[^1] : await log.HeadAsync(ct));
        var zip = LogExcerpt.Write(about, [.. entries.Select(e => new ChainEntry(e.Seq, e.PreviousHash, e.Hash, QueryLog.Canonical(e)))], chain,
            Csv(entries, await DocumentNamesAsync(context, library, ct), clock), signing.Key, signing.Certificate);
        return TypedResults.File(zip, "application/zip", $"query-log-excerpt-{clock.GetLocalNow():yyyyMMdd-HHmm}.zip");
    }

    /// <summary>The entries as the CSV export writes them: box-local times, documents by name where the reader may see them.</summary>
    internal static string Csv(IReadOnlyList<QueryLogEntry> entries, IReadOnlyDictionary<string, NamedDocument> names, TimeProvider clock)
    {
        var csv = new System.Text.StringBuilder("seq,time,user,route,question_mode,question,documents,other_documents,prompt_tokens,completion_tokens,latency_ms,status\r\n");
        foreach (var entry in entries)
        {
            var row = Row(entry, names);
            csv.Append(Audit.Csv.Line(
            [
                Invariant(entry.Seq), BoxDays.Local(entry.At, clock), entry.User ?? "", entry.Route ?? entry.Kind, entry.QuestionMode, entry.Question ?? "",
                string.Join("; ", row.Documents.Select(d => $"{d.CollectionId}/{d.Path}")), Invariant(row.OtherDocuments),
                Invariant(entry.PromptTokens), Invariant(entry.CompletionTokens), Invariant(entry.LatencyMs), Invariant(entry.Status),
            ]));
        }
        return csv.ToString();
    }

    private static string Invariant(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private const int MaxCsvRows = 100_000;

    private static ProblemHttpResult BadFilter() => TypedResults.Problem(statusCode: 400, title: "bad filter",
        detail: "outcome is answered, refused or failed; collection is a configured collection's id; from and to are days as YYYY-MM-DD " +
                "(the box's time zone), from not after to");

    /// <summary>The DPO's filter; null when a part of it is not understood (the caller gets a 400 saying what each part takes).</summary>
    private static async Task<LogFilter?> ParseFilterAsync(string? user, string? route, string? collection, string? outcome, string? from, string? to,
        TimeProvider clock, DocumentLibrary library, ApplianceConfig config, CancellationToken ct)
    {
        LogOutcome? parsedOutcome = null;
        if (!string.IsNullOrEmpty(outcome))
        {
            if (!Enum.TryParse<LogOutcome>(outcome, ignoreCase: true, out var o) || int.TryParse(outcome, out _)) return null;
            parsedOutcome = o;
        }
        if (!BoxDays.TryParse(from, to, clock, out var start, out var end)) return null;
        var filter = new LogFilter(string.IsNullOrWhiteSpace(user) ? null : user.Trim(), string.IsNullOrWhiteSpace(route) ? null : route.Trim(),
            parsedOutcome, start, end);
        if (string.IsNullOrWhiteSpace(collection)) return filter;
        if (config.Rag.Collections.FirstOrDefault(c => c.Id == collection.Trim()) is not { } chosen) return null;
        return filter with { ReturnedAnyOf = await CollectionDocumentsAsync(chosen, library, ct) };
    }

    /// <summary>Every document the collection holds or held (erased ones too, so older entries still match), whoever may read them.</summary>
    private static async Task<IReadOnlyCollection<string>> CollectionDocumentsAsync(Collection collection, DocumentLibrary library, CancellationToken ct)
    {
        var held = (await library.ListDocumentsAsync(collection.Groups, ct)).Where(d => d.CollectionId == collection.Id).Select(d => d.Id);
        var erased = (await library.ErasuresAsync(null, ct)).Where(r => r.CollectionId == collection.Id).Select(r => r.DocumentId);
        return held.Concat(erased).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The documents the DPO may read, by id: the log names those, and only counts the others.</summary>
    internal static Task<IReadOnlyDictionary<string, NamedDocument>> DocumentNamesAsync(HttpContext context, DocumentLibrary library, CancellationToken ct) =>
        DocumentNamesAsync(Caller.From(context.User), library, ct);

    internal static async Task<IReadOnlyDictionary<string, NamedDocument>> DocumentNamesAsync(Caller caller, DocumentLibrary library, CancellationToken ct) =>
        (await library.ListDocumentsAsync(caller.Groups, ct))
            .ToDictionary(d => d.Id, d => new NamedDocument(d.Id, d.CollectionId, d.Path, d.Title), StringComparer.Ordinal);

    internal static LogRow Row(QueryLogEntry entry, IReadOnlyDictionary<string, NamedDocument> names)
    {
        var named = entry.DocumentIds.Select(id => names.GetValueOrDefault(id)).OfType<NamedDocument>().ToList();
        return new LogRow(entry, named, entry.DocumentIds.Count - named.Count);
    }

    public static async Task<Ok<ChainVerdict>> VerifyAsync(QueryLog log, CancellationToken ct) => TypedResults.Ok(await log.VerifyAsync(ct));

    /// <summary>
    /// GET /api/audit/evidence[?period=FROM..TO]: the agent's evidence as the pack will read it. Without
    /// a period it covers the retention window and is also written for the nightly pack.
    /// </summary>
    public static async Task<IResult> EvidenceAsync(string? period, EvidenceExport export, CancellationToken ct)
    {
        AgentEvidence evidence;
        if (period is null)
            evidence = await export.ExportAsync(null, ct);
        else
        {
            try
            {
                evidence = await export.BuildAsync(AuditPeriod.Parse(period), ct);
            }
            catch (FormatException e)
            {
                return TypedResults.Problem(statusCode: 400, title: "bad period", detail: e.Message);
            }
        }
        return TypedResults.Text(evidence.ToJson(), "application/json; charset=utf-8");
    }

    /// <summary>GET /api/audit/packs: the signed packs on the shelf, newest first; 404 with advice while there is none.</summary>
    public static IResult Packs(NightlyPacks shelf, AgentOptions options)
    {
        var packs = shelf.List();
        return packs.Count > 0 ? TypedResults.Ok(packs) : NoPackYet(options);
    }

    /// <summary>GET /api/audit/packs/{name}: one pack, as a download. Only names listed on the shelf are served.</summary>
    public static async Task<IResult> PackAsync(string name, Caller caller, NightlyPacks shelf, EvidenceExport export, AgentOptions options,
        ILogger<NightlyPacks> logger, CancellationToken ct)
    {
        if (shelf.Locate(name) is not { } path)
            return shelf.List().Count == 0 ? NoPackYet(options)
                : TypedResults.Problem(statusCode: 404, title: "no such pack", detail: "that is not a pack on the shelf; GET /api/audit/packs lists them");
        try
        {
            // The DPO is here for evidence: the next nightly pack starts from counts as fresh as this moment.
            await export.ExportAsync(null, ct);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            logger.LogError(e, "could not refresh the agent evidence before a pack download");
        }
        logger.LogInformation("audit pack {Pack} downloaded by {User}", name, caller.Name);
        return TypedResults.PhysicalFile(path, "application/zip", name);
    }

    private static ProblemHttpResult NoPackYet(AgentOptions options)
    {
        var provision = Path.Combine(AppContext.BaseDirectory, "provision");
        var command = $"sudo \"{provision}\" nightly --target local --config \"{options.ConfigFile}\"";
        return TypedResults.Problem(statusCode: 404, title: "no audit pack yet",
            detail: $"The nightly job (LaunchDaemon com.appliance.verify, {PackShelf.NightlyTime} box time, as root) builds a signed pack " +
                    $"and puts it here; the agent cannot sign one itself. To build one now, run on the box: {command}",
            extensions: new Dictionary<string, object?> { ["nightly_at"] = PackShelf.NightlyTime, ["build_now"] = command });
    }
}
