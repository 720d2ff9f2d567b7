using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Appliance.Agent.Audit;

/// <summary>Once at start and then daily: entries older than privacy.retention_days leave the query log, and the purge is chained.</summary>
public sealed class QueryLogRetention(QueryLog log, int retentionDays, TimeProvider clock, ILogger<QueryLogRetention> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromDays(1), clock);
        do
        {
            try
            {
                var report = await log.PurgeOlderThanAsync(clock.GetUtcNow().AddDays(-retentionDays), stoppingToken);
                if (report.Removed > 0)
                    logger.LogInformation("query log retention: removed {Removed} entries through #{Seq} older than {Cutoff:o}",
                        report.Removed, report.ThroughSeq, report.Cutoff);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "query log retention purge failed; will retry tomorrow");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
