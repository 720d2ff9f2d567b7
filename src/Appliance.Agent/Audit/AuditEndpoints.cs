using Microsoft.AspNetCore.Http.HttpResults;

namespace Appliance.Agent.Audit;

/// <summary>/api/audit: what the DPO reads — the query log with its chain check.</summary>
public static class AuditEndpoints
{
    public sealed record LogPage(ChainVerdict Chain, long Total, string QuestionMode, IReadOnlyList<QueryLogEntry> Entries);

    public static async Task<Ok<LogPage>> LogAsync(QueryLog log, long? before, int? limit, CancellationToken ct)
    {
        var entries = await log.ReadAsync(before, Math.Clamp(limit ?? 100, 1, 1000), ct);
        return TypedResults.Ok(new LogPage(await log.VerifyAsync(ct), await log.CountAsync(ct), log.ModeName, entries));
    }

    public static async Task<Ok<ChainVerdict>> VerifyAsync(QueryLog log, CancellationToken ct) => TypedResults.Ok(await log.VerifyAsync(ct));
}
