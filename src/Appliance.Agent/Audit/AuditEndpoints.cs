using Appliance.Agent.Hosting;
using Appliance.Agent.Identity;
using Appliance.Audit.Evidence;
using Appliance.Audit.Pack;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Appliance.Agent.Audit;

/// <summary>/api/audit: what the DPO reads — the query log with its chain check, the live evidence, the signed packs.</summary>
public static class AuditEndpoints
{
    public sealed record LogPage(ChainVerdict Chain, long Total, string QuestionMode, IReadOnlyList<QueryLogEntry> Entries);

    public static async Task<Ok<LogPage>> LogAsync(QueryLog log, long? before, int? limit, CancellationToken ct)
    {
        var entries = await log.ReadAsync(before, Math.Clamp(limit ?? 100, 1, 1000), ct);
        return TypedResults.Ok(new LogPage(await log.VerifyAsync(ct), await log.CountAsync(ct), log.ModeName, entries));
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
