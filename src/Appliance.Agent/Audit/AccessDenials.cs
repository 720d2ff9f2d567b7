using Appliance.Agent.Identity;
using Appliance.Config;
using Appliance.Rag;

namespace Appliance.Agent.Audit;

/// <summary>
/// Records every refused request in the security events: each 401 and 403 on any route (after the
/// response is written, so the reason is what the client got), and — called by the document routes —
/// each time the group filter kept a caller from a collection or document that exists. Stored: time,
/// user (or "unknown"), route template, reason. Never the query string, a header or a body.
/// </summary>
public sealed class AccessDenials(SecurityEvents events, ILogger<AccessDenials> logger)
{
    private const string ReasonKey = "appliance.denial-reason";

    public RequestDelegate Middleware(RequestDelegate next) => async context =>
    {
        await next(context);
        var status = context.Response.StatusCode;
        if (status is not (StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden) || IsSignInDoor(context)) return;
        var reason = context.Items[ReasonKey] as string ?? (status == StatusCodes.Status401Unauthorized
            ? context.Request.Headers.Authorization.Count > 0 ? "401 unknown or revoked API token" : "401 not signed in"
            : "403 role does not allow it");
        await RecordAsync(context.User.Identity is { IsAuthenticated: true, Name: { } name } ? name : null, RouteOf(context), reason);
    };

    /// <summary>Names why the response about to be written refuses (e.g. the CSRF check), instead of the status's default reason.</summary>
    public static void Explain(HttpContext context, string reason) => context.Items[ReasonKey] = reason;

    /// <summary>The group filter held back something that exists: counted, whatever the caller is then told.</summary>
    public Task GroupFilterAsync(HttpContext context, string what) =>
        RecordAsync(Caller.From(context.User).Name, RouteOf(context), "group filter: " + what);

    /// <summary>
    /// Counts each requested collection that exists but that the caller's groups may not read. The
    /// request goes on without it (search and answers) or is told it does not exist (upload): either
    /// way the caller learns nothing, and the DPO sees the attempt.
    /// </summary>
    public async Task HeldBackAsync(Caller caller, string route, IEnumerable<string>? requested, DocumentLibrary library, ApplianceConfig config)
    {
        if (requested is null) return;
        var readable = library.Collections(caller.LibraryGroups).Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var id in requested.Distinct(StringComparer.Ordinal).Where(id => !readable.Contains(id) && config.Rag.Collections.Any(c => c.Id == id)))
            await RecordAsync(caller.Name, route, "group filter: collection " + id);
    }

    private async Task RecordAsync(string? user, string route, string reason)
    {
        try
        {
            // Kept even when the client hangs up at once.
            await events.RecordDenialAsync(user, route, reason, CancellationToken.None);
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            // The refusal itself stands; losing its count must not turn it into a 500.
            logger.LogError(e, "could not record an access denial on {Route}", route);
        }
    }

    /// <summary>The route template a request matched ("/api/ask"), as denials are recorded under.</summary>
    public static string RouteOf(HttpContext context) =>
        (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText is { } template ? "/" + template.TrimStart('/') : "(no route)";

    /// <summary>
    /// The page and the session check answer 401 to anyone not signed in yet — that is the sign-in
    /// form, not a refusal — and failed sign-ins are counted as sign-ins.
    /// </summary>
    private static bool IsSignInDoor(HttpContext context)
    {
        var path = context.Request.Path;
        return context.Response.StatusCode == StatusCodes.Status401Unauthorized
               && (path == "/" || path.Equals("/api/session", StringComparison.Ordinal)) && context.Request.Headers.Authorization.Count == 0;
    }
}
