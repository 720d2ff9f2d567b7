using Appliance.Agent.Audit;

namespace Appliance.Agent.Metrics;

/// <summary>/metrics in Prometheus text format.</summary>
public static class MetricsEndpoint
{
    public static async Task<IResult> GetAsync(RequestMetrics requests, QueryLog log, CancellationToken ct)
    {
        var text = new PrometheusText();
        requests.WriteTo(text);
        text.Gauge("appliance_query_log_entries", "entries in the query log", await log.CountAsync(ct));
        return TypedResults.Text(text.ToString(), "text/plain; version=0.0.4; charset=utf-8");
    }
}
