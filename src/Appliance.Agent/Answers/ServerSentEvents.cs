using System.Diagnostics;
using System.Text.Json;

namespace Appliance.Agent.Answers;

/// <summary>Writes `text/event-stream` by hand so every event is flushed the moment it exists.</summary>
public sealed class ServerSentEvents(HttpResponse response, JsonSerializerOptions json, StreamClock clock)
{
    public void Begin()
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
    }

    public async Task SendAsync(string? eventName, object data, CancellationToken ct)
    {
        var since = Stopwatch.GetTimestamp();
        var payload = data as string ?? JsonSerializer.Serialize(data, data.GetType(), json);
        var text = (eventName is null ? "" : $"event: {eventName}\n") + $"data: {payload}\n\n";
        clock.Charge(StreamPart.Json, since);
        since = Stopwatch.GetTimestamp();
        await response.WriteAsync(text, ct);
        await response.Body.FlushAsync(ct);
        clock.Charge(StreamPart.Send, since);
    }
}
