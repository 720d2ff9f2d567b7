namespace Appliance.Agent.Audit;

/// <summary>The agent's periodic jobs (retention, evidence export) end their loop quietly when the agent stops.</summary>
internal static class TimerStopping
{
    /// <summary>
    /// False once the agent stops: stopping is the normal end of a job's loop, not a failure. (A host
    /// whose start failed, say on a busy port, would otherwise report the cancelled wait as a crash.)
    /// </summary>
    public static async Task<bool> NextTickOrStopAsync(this PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
