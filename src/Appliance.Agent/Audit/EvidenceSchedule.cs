using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Appliance.Agent.Audit;

/// <summary>
/// Exports the agent's evidence at start and then every hour, so the nightly pack (built by root,
/// which reads the file) never finds counts older than an hour while the agent runs.
/// </summary>
public sealed class EvidenceSchedule(EvidenceExport export, TimeProvider clock, ILogger<EvidenceSchedule> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();  // the first export must not hold up the agent's start
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                var evidence = await export.ExportAsync(null, stoppingToken);
                logger.LogInformation("audit evidence exported to {File}: {Entries} query-log entries, chain {Chain}",
                    export.FilePath, evidence.QueryLog.Count, evidence.Usage.QueryLogChain.Intact ? "intact" : "NOT intact");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "audit evidence export failed; will retry in an hour");
            }
        }
        while (await timer.NextTickOrStopAsync(stoppingToken));
    }
}
