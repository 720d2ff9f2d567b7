using System.Text.Json;

namespace Appliance.Agent.Tests;

/// <summary>Reads a text/event-stream response as a list of (event, data) pairs, as a browser's EventSource would.</summary>
public static class ServerSentEventReader
{
    public static async Task<List<(string Event, JsonElement Data)>> ReadAllAsync(HttpResponseMessage response)
    {
        var events = new List<(string, JsonElement)>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        string? name = null;
        var data = new List<string>();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Count > 0)
                {
                    var text = string.Join('\n', data);
                    events.Add((name ?? "message", text == "[DONE]" ? JsonDocument.Parse("\"[DONE]\"").RootElement : JsonDocument.Parse(text).RootElement));
                }
                (name, data) = (null, []);
            }
            else if (line.StartsWith("event:", StringComparison.Ordinal)) name = line[6..].Trim();
            else if (line.StartsWith("data:", StringComparison.Ordinal)) data.Add(line[5..].TrimStart());
        }
        return events;
    }
}
