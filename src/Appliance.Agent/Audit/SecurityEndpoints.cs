using System.Text;

namespace Appliance.Agent.Audit;

/// <summary>/api/audit/security: sign-ins, failures by kind, lockouts, denials and access reports, filtered, paged, exported.</summary>
public static class SecurityEndpoints
{
    /// <param name="Total">events kept (the retention window)</param>
    /// <param name="Matching">events the filter selects</param>
    /// <param name="Counts">the filtered events counted by kind, route and reason</param>
    /// <param name="NextBefore">pass as <c>before</c> for the next (older) page; null on the last page</param>
    public sealed record SecurityPage(long Total, long Matching, IReadOnlyList<SecurityEventCount> Counts, IReadOnlyList<SecurityEvent> Events, long? NextBefore);

    /// <summary>GET /api/audit/security?user=&amp;kind=signed_in|failed|lockout|denied|access_report&amp;from=&amp;to=&amp;before=ID&amp;limit=N, newest first.</summary>
    public static async Task<IResult> ListAsync(SecurityEvents events, TimeProvider clock, string? user, string? kind, string? from, string? to,
        long? before, int? limit, CancellationToken ct)
    {
        if (Parse(user, kind, from, to, clock) is not { } filter) return BadFilter();
        var size = Math.Clamp(limit ?? 100, 1, 1000);
        var (found, matching) = await events.FindAsync(filter, before, size, ct);
        return TypedResults.Ok(new SecurityPage(await events.TotalAsync(ct), matching, await events.CountAsync(filter, ct), found,
            found.Count == size ? found[^1].Id : null));
    }

    /// <summary>GET /api/audit/security.csv with the same filter: every matching event, box-local times.</summary>
    public static async Task<IResult> CsvAsync(HttpContext context, SecurityEvents events, TimeProvider clock, string? user, string? kind, string? from, string? to,
        CancellationToken ct)
    {
        if (Parse(user, kind, from, to, clock) is not { } filter) return BadFilter();
        var (found, _) = await events.FindAsync(filter, null, MaxCsvRows, ct);
        var csv = new StringBuilder("id,time,kind,user,route,reason\r\n");
        foreach (var e in found)
            csv.Append(Csv.Line([e.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), BoxDays.Local(e.At, clock), KindName(e.Kind), e.User,
                e.Route ?? "", e.Reason]));
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"security-events-{clock.GetLocalNow():yyyyMMdd-HHmm}.csv\"";
        return TypedResults.Text(csv.ToString(), "text/csv; charset=utf-8");
    }

    private const int MaxCsvRows = 100_000;

    /// <summary>A kind as the API and the CSV spell it (snake_case, as every enum on the wire).</summary>
    public static string KindName(SecurityEventKind kind) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(kind.ToString());

    private static SecurityEventFilter? Parse(string? user, string? kind, string? from, string? to, TimeProvider clock)
    {
        SecurityEventKind? parsedKind = null;
        if (!string.IsNullOrWhiteSpace(kind))
        {
            var known = Enum.GetValues<SecurityEventKind>().Where(k => KindName(k) == kind.Trim()).ToList();
            if (known.Count == 0) return null;
            parsedKind = known[0];
        }
        if (!BoxDays.TryParse(from, to, clock, out var start, out var end)) return null;
        return new SecurityEventFilter(string.IsNullOrWhiteSpace(user) ? null : user.Trim(), parsedKind, start, end);
    }

    private static IResult BadFilter() => TypedResults.Problem(statusCode: 400, title: "bad filter",
        detail: $"kind is one of {string.Join(", ", Enum.GetValues<SecurityEventKind>().Select(KindName))}; from and to are days as YYYY-MM-DD " +
                "(the box's time zone), from not after to");
}
