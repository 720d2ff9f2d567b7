using Appliance.Agent.Hosting;
using Appliance.Agent.Identity;
using Appliance.Audit.Evidence;
using Appliance.Audit.Pack;
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
    /// GET /api/audit/log?user=&amp;route=&amp;outcome=answered|refused|failed&amp;from=YYYY-MM-DD&amp;to=YYYY-MM-DD&amp;before=SEQ&amp;limit=N:
    /// the query log newest first, filtered, a page at a time through the whole retention; days are the box's.
    /// </summary>
    public static async Task<IResult> LogAsync(HttpContext context, QueryLog log, DocumentLibrary library, TimeProvider clock,
        string? user, string? route, string? outcome, string? from, string? to, long? before, int? limit, CancellationToken ct)
    {
        if (ParseFilter(user, route, outcome, from, to, clock) is not { } filter)
            return BadFilter();
        var size = Math.Clamp(limit ?? 100, 1, 1000);
        var (entries, matching) = await log.FindAsync(filter, before, size, ct);
        var names = await DocumentNamesAsync(context, library, ct);
        var rows = entries.Select(e => Row(e, names)).ToList();
        return TypedResults.Ok(new LogPage(await log.VerifyAsync(ct), await log.CountAsync(ct), matching, log.ModeName, entries, rows,
            entries.Count == size ? entries[^1].Seq : null));
    }

    /// <summary>GET /api/audit/log.csv with the same filter: every matching entry, for a spreadsheet or the file.</summary>
    public static async Task<IResult> LogCsvAsync(HttpContext context, QueryLog log, DocumentLibrary library, TimeProvider clock,
        string? user, string? route, string? outcome, string? from, string? to, CancellationToken ct)
    {
        if (ParseFilter(user, route, outcome, from, to, clock) is not { } filter)
            return BadFilter();
        var (entries, _) = await log.FindAsync(filter, null, MaxCsvRows, ct);
        var names = await DocumentNamesAsync(context, library, ct);
        var csv = new System.Text.StringBuilder("seq,time,user,route,question_mode,question,documents,other_documents,prompt_tokens,completion_tokens,latency_ms,status\r\n");
        foreach (var entry in entries)
        {
            var row = Row(entry, names);
            string[] cells =
            [
                entry.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture),
                TimeZoneInfo.ConvertTime(entry.At, clock.LocalTimeZone).ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture),
                entry.User ?? "", entry.Route ?? entry.Kind, entry.QuestionMode, entry.Question ?? "",
                string.Join("; ", row.Documents.Select(d => $"{d.CollectionId}/{d.Path}")), row.OtherDocuments.ToString(System.Globalization.CultureInfo.InvariantCulture),
                entry.PromptTokens.ToString(System.Globalization.CultureInfo.InvariantCulture), entry.CompletionTokens.ToString(System.Globalization.CultureInfo.InvariantCulture),
                entry.LatencyMs.ToString(System.Globalization.CultureInfo.InvariantCulture), entry.Status.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ];
            csv.Append(string.Join(',', cells.Select(CsvCell))).Append("\r\n");
        }
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"query-log-{clock.GetLocalNow():yyyyMMdd-HHmm}.csv\"";
        return TypedResults.Text(csv.ToString(), "text/csv; charset=utf-8");
    }

    private const int MaxCsvRows = 100_000;

    private static ProblemHttpResult BadFilter() => TypedResults.Problem(statusCode: 400, title: "bad filter",
        detail: "outcome is answered, refused or failed; from and to are days as YYYY-MM-DD (the box's time zone), from not after to");

    private static LogFilter? ParseFilter(string? user, string? route, string? outcome, string? from, string? to, TimeProvider clock)
    {
        LogOutcome? parsedOutcome = null;
        if (!string.IsNullOrEmpty(outcome))
        {
            if (!Enum.TryParse<LogOutcome>(outcome, ignoreCase: true, out var o) || int.TryParse(outcome, out _)) return null;
            parsedOutcome = o;
        }
        DateTimeOffset? start = null, end = null;
        if (!string.IsNullOrEmpty(from))
        {
            if (!DateOnly.TryParseExact(from, "yyyy-MM-dd", out var day)) return null;
            start = LocalMidnight(day, clock);
        }
        if (!string.IsNullOrEmpty(to))
        {
            if (!DateOnly.TryParseExact(to, "yyyy-MM-dd", out var day)) return null;
            end = LocalMidnight(day.AddDays(1), clock);   // the whole of the last day
        }
        if (start > end) return null;
        return new LogFilter(string.IsNullOrWhiteSpace(user) ? null : user.Trim(), string.IsNullOrWhiteSpace(route) ? null : route.Trim(), parsedOutcome, start, end);
    }

    private static DateTimeOffset LocalMidnight(DateOnly day, TimeProvider clock)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, clock.LocalTimeZone.GetUtcOffset(local));
    }

    /// <summary>The documents the DPO may read, by id: the log names those, and only counts the others.</summary>
    private static async Task<IReadOnlyDictionary<string, NamedDocument>> DocumentNamesAsync(HttpContext context, DocumentLibrary library, CancellationToken ct) =>
        (await library.ListDocumentsAsync(Caller.From(context.User).Groups, ct))
            .ToDictionary(d => d.Id, d => new NamedDocument(d.Id, d.CollectionId, d.Path, d.Title), StringComparer.Ordinal);

    private static LogRow Row(QueryLogEntry entry, IReadOnlyDictionary<string, NamedDocument> names)
    {
        var named = entry.DocumentIds.Select(id => names.GetValueOrDefault(id)).OfType<NamedDocument>().ToList();
        return new LogRow(entry, named, entry.DocumentIds.Count - named.Count);
    }

    /// <summary>A CSV cell, quoted where needed; a cell a spreadsheet would run as a formula is defused with a leading apostrophe.</summary>
    private static string CsvCell(string value)
    {
        if (value.Length > 0 && "=+-@\t\r".Contains(value[0])) value = "'" + value;
        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
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
    public static async Task<IResult> PackAsync(string name, HttpContext context, NightlyPacks shelf, EvidenceExport export, AgentOptions options,
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
        logger.LogInformation("audit pack {Pack} downloaded by {User}", name, Caller.From(context.User).Name);
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
