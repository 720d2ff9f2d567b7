using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Appliance.Agent.Metrics;

/// <summary>Requests and their latencies per route template (bounded label sets: never raw paths or user names).</summary>
public sealed class RequestMetrics
{
    private static readonly double[] Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
    private readonly ConcurrentDictionary<(string Route, string Method, int Status), long> _requests = new();
    private readonly ConcurrentDictionary<string, Histogram> _latency = new();

    public void Record(string route, string method, int status, TimeSpan elapsed)
    {
        _requests.AddOrUpdate((route, method, status), 1, (_, n) => n + 1);
        _latency.GetOrAdd(route, _ => new Histogram()).Observe(elapsed.TotalSeconds);
    }

    public void WriteTo(PrometheusText text)
    {
        text.Family("appliance_http_requests_total", "counter", "HTTP requests answered, by route template, method and status");
        foreach (var ((route, method, status), count) in _requests.OrderBy(p => p.Key.Route, StringComparer.Ordinal).ThenBy(p => p.Key.Status))
            text.Sample("appliance_http_requests_total", count, ("route", route), ("method", method), ("status", status.ToString(CultureInfo.InvariantCulture)));
        text.Family("appliance_http_request_duration_seconds", "histogram", "time to answer an HTTP request (until the last byte of a stream)");
        foreach (var (route, histogram) in _latency.OrderBy(p => p.Key, StringComparer.Ordinal))
            histogram.WriteTo(text, "appliance_http_request_duration_seconds", route);
    }

    /// <summary>The middleware that times every request and files it under its route template.</summary>
    public RequestDelegate Middleware(RequestDelegate next) => async context =>
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(no route)";
            Record(route, context.Request.Method, context.Response.StatusCode, Stopwatch.GetElapsedTime(started));
        }
    };

    private sealed class Histogram
    {
        private readonly long[] _counts = new long[Buckets.Length];
        private long _total;
        private double _sum;
        private readonly Lock _gate = new();

        public void Observe(double seconds)
        {
            lock (_gate)
            {
                for (var i = 0; i < Buckets.Length; i++)
                    if (seconds <= Buckets[i]) _counts[i]++;
                _total++;
                _sum += seconds;
            }
        }

        public void WriteTo(PrometheusText text, string name, string route)
        {
            lock (_gate)
            {
                for (var i = 0; i < Buckets.Length; i++)
                    text.Sample(name + "_bucket", _counts[i], ("route", route), ("le", Buckets[i].ToString(CultureInfo.InvariantCulture)));
                text.Sample(name + "_bucket", _total, ("route", route), ("le", "+Inf"));
                text.Sample(name + "_sum", _sum, ("route", route));
                text.Sample(name + "_count", _total, ("route", route));
            }
        }
    }
}
