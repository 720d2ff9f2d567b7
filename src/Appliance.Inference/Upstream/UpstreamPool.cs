using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.Logging;
using OpenAI;

namespace Appliance.Inference;

/// <summary>One OpenAI-compatible server (vllm-mlx, mlx_lm.server, Ollama, exo, another appliance).</summary>
public sealed class Upstream
{
    private int _inFlight;

    internal Upstream(Uri baseUrl)
    {
        BaseUrl = baseUrl;
        Options = new OpenAIClientOptions
        {
            Endpoint = baseUrl,
            // Failing over to the next upstream beats retrying a dead one.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = TimeSpan.FromMinutes(10),
        };
    }

    public Uri BaseUrl { get; }
    public int InFlight => Volatile.Read(ref _inFlight);
    public bool Healthy { get; internal set; } = true;
    public string? LastError { get; internal set; }
    internal OpenAIClientOptions Options { get; }

    /// <summary>Upstreams on the LAN need no key; OpenAI's client insists on one.</summary>
    internal static ApiKeyCredential Credential { get; } = new("appliance");

    internal Lease Lease() => new(this);
    internal void Enter() => Interlocked.Increment(ref _inFlight);
    internal void Leave() => Interlocked.Decrement(ref _inFlight);
}

internal readonly struct Lease : IDisposable
{
    private readonly Upstream _upstream;
    public Lease(Upstream upstream) { _upstream = upstream; upstream.Enter(); }
    public void Dispose() => _upstream.Leave();
}

/// <summary>
/// The configured upstreams: requests go to the healthy one with the fewest requests in flight; a
/// background check asks every upstream for /models every few seconds; an upstream that fails a
/// request or a check is skipped until a check succeeds again.
/// </summary>
public sealed class UpstreamPool : IAsyncDisposable
{
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _checks;
    private int _roundRobin;

    public UpstreamPool(IReadOnlyList<Uri> baseUrls, ILogger log, TimeSpan? checkInterval = null)
    {
        if (baseUrls.Count == 0) throw new ArgumentException("at least one upstream URL is needed", nameof(baseUrls));
        _log = log;
        Upstreams = [.. baseUrls.Select(u => new Upstream(u))];
        _checks = CheckLoop(checkInterval ?? TimeSpan.FromSeconds(10), _stopping.Token);
    }

    public IReadOnlyList<Upstream> Upstreams { get; }

    /// <summary>Healthy upstreams, least busy first (ties rotate); unhealthy ones last, as a last resort.</summary>
    internal IReadOnlyList<Upstream> Candidates()
    {
        var start = Interlocked.Increment(ref _roundRobin);
        return [.. Upstreams
            .Select((u, i) => (u, order: (i - start % Upstreams.Count + Upstreams.Count) % Upstreams.Count))
            .OrderBy(x => x.u.Healthy ? 0 : 1)
            .ThenBy(x => x.u.InFlight)
            .ThenBy(x => x.order)
            .Select(x => x.u)];
    }

    internal void MarkFailed(Upstream upstream, Exception e)
    {
        upstream.Healthy = false;
        upstream.LastError = e.Message;
        _log.LogWarning("upstream {Url} failed: {Error}", upstream.BaseUrl, e.Message);
    }

    /// <summary>Whether the failure is the upstream's (try another) rather than the request's (report it).</summary>
    internal static bool IsUpstreamFailure(Exception e) => e switch
    {
        HttpRequestException => true,
        ClientResultException c => c.Status is 0 or >= 500,
        TaskCanceledException t => t.InnerException is TimeoutException,
        _ => false,
    };

    public async Task CheckNowAsync(CancellationToken ct)
    {
        await Task.WhenAll(Upstreams.Select(async u =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                var models = new OpenAI.Models.OpenAIModelClient(Upstream.Credential, u.Options);
                await models.GetModelsAsync(timeout.Token);
                if (!u.Healthy) _log.LogInformation("upstream {Url} is healthy again", u.BaseUrl);
                u.Healthy = true;
                u.LastError = null;
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                if (u.Healthy) _log.LogWarning("upstream {Url} failed its health check: {Error}", u.BaseUrl, e.Message);
                u.Healthy = false;
                u.LastError = e.Message;
            }
        }));
    }

    private async Task CheckLoop(TimeSpan interval, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await CheckNowAsync(ct);
                await Task.Delay(interval, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>In-flight requests only: the upstream schedules and counts its own work, so the class counts stay zero.</summary>
    public InferenceStats Stats() =>
        new(0, Upstreams.Sum(u => u.InFlight), 0, 0, 0, 0, Enum.GetValues<WorkPriority>().ToDictionary(c => c, _ => 0L));

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested) return;
        await _stopping.CancelAsync();
        await _checks;
        _stopping.Dispose();
    }
}
