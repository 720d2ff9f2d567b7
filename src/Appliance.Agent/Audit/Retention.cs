using Appliance.Agent.Conversations;
using Appliance.Config;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Appliance.Agent.Audit;

/// <summary>
/// Once at start and then daily: query-log entries and security events older than
/// privacy.retention_days go, and conversations untouched for privacy.history.retention_days (all of
/// them when history is off). The query log chains its purge; every purge is counted for the audit pack.
/// </summary>
public sealed class Retention(QueryLog log, SecurityEvents events, ConversationStore conversations, PrivacySettings privacy, TimeProvider clock,
    ILogger<Retention> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromDays(1), clock);
        do
        {
            try
            {
                await PurgeAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "retention purge failed; will retry tomorrow");
            }
        }
        while (await timer.NextTickOrStopAsync(stoppingToken));
    }

    public async Task PurgeAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var cutoff = now.AddDays(-privacy.RetentionDays);
        var report = await log.PurgeOlderThanAsync(cutoff, ct);
        if (report.Removed > 0)
        {
            await events.RecordPurgeAsync(RetentionLogs.QueryLog, report.Removed, cutoff, ct);
            logger.LogInformation("query log retention: removed {Removed} entries through #{Seq} older than {Cutoff:o}",
                report.Removed, report.ThroughSeq, report.Cutoff);
        }
        var removed = await events.PurgeOlderThanAsync(cutoff, ct);
        if (removed > 0)
            logger.LogInformation("security events retention: removed {Removed} events older than {Cutoff:o}", removed, cutoff);
        // History switched off keeps nothing: what was kept before goes at the next purge.
        var historyCutoff = privacy.History.Enabled ? now.AddDays(-privacy.History.RetentionDays) : DateTimeOffset.MaxValue;
        var conversationsRemoved = await conversations.PurgeOlderThanAsync(historyCutoff, ct);
        if (conversationsRemoved > 0)
        {
            await events.RecordPurgeAsync(RetentionLogs.Conversations, conversationsRemoved, privacy.History.Enabled ? historyCutoff : now, ct);
            logger.LogInformation("conversation history retention: removed {Removed} conversations", conversationsRemoved);
        }
    }
}
