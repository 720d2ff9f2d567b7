using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Appliance.Agent.Cli;

/// <summary>
/// `appliance ask`: a client of a running agent's /api/ask, for scripts and the demo. It prints the
/// answer as it streams, then the citations, and the time to first token and tokens/s it measured
/// over HTTP (what a person at a desk would experience, not the server's own view).
/// </summary>
internal static class AskCommand
{
    public static Command Create()
    {
        var url = new Option<string>("--url") { Description = "the agent's address", DefaultValueFactory = _ => "https://127.0.0.1:8443" };
        var token = new Option<string?>("--token") { Description = "an API token (default: $APPLIANCE_TOKEN)" };
        var maxTokens = new Option<int?>("--max-tokens") { Description = "cap the answer's length" };
        var insecure = new Option<bool>("--insecure") { Description = "accept a self-signed certificate (a box without a CA-signed one)" };
        var json = new Option<bool>("--json") { Description = "print the final summary as JSON (answer, citations, timing)" };
        var question = new Argument<string>("question");
        var command = new Command("ask", """
            Ask a running agent a question over HTTP as the token's user: the answer streams to the
            terminal, followed by its numbered sources (document, page, section, link) and the time
            to first token and tokens/s measured on this side of the connection.
            """) { url, token, maxTokens, insecure, json, question };
        command.SetAction(async (parse, ct) =>
        {
            var secret = parse.GetValue(token) ?? Environment.GetEnvironmentVariable("APPLIANCE_TOKEN");
            if (string.IsNullOrEmpty(secret))
            {
                Console.Error.WriteLine("appliance ask: give an API token with --token or APPLIANCE_TOKEN (issue one with `appliance users token NAME`)");
                return 2;
            }
            if (!Uri.TryCreate(parse.GetValue(url), UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
            {
                Console.Error.WriteLine($"appliance ask: --url '{parse.GetValue(url)}' is not an http(s) address such as https://ai-box.office.lan:8443");
                return 2;
            }
            using var handler = new HttpClientHandler();
            if (parse.GetValue(insecure)) handler.ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator;
            using var http = new HttpClient(handler) { BaseAddress = address, Timeout = Timeout.InfiniteTimeSpan };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
            return await AskAsync(http, parse.GetValue(question)!, parse.GetValue(maxTokens), parse.GetValue(json), ct);
        });
        return command;
    }

    private static async Task<int> AskAsync(HttpClient http, string question, int? maxTokens, bool json, CancellationToken ct)
    {
        var sent = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ask") { Content = JsonContent.Create(new { question, max_tokens = maxTokens }) };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
        {
            Console.Error.WriteLine($"appliance ask: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
            return 1;
        }
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        double? firstDelta = null;
        double lastDelta = 0;
        JsonElement done = default;
        var sources = new List<JsonElement>();
        string? name = null;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.StartsWith("event:", StringComparison.Ordinal)) { name = line[6..].Trim(); continue; }
            if (!line.StartsWith("data:", StringComparison.Ordinal)) continue;
            var data = JsonDocument.Parse(line[5..]).RootElement;
            switch (name)
            {
                case "sources":
                    sources = data.GetProperty("citations").EnumerateArray().ToList();
                    break;
                case "delta":
                    var now = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
                    firstDelta ??= now;
                    lastDelta = now;
                    if (!json) Console.Write(data.GetProperty("text").GetString());
                    break;
                case "done":
                    done = data;
                    break;
            }
        }
        if (done.ValueKind != JsonValueKind.Object)
        {
            Console.Error.WriteLine("appliance ask: the answer ended without its summary");
            return 1;
        }
        var completion = done.GetProperty("usage").GetProperty("completion_tokens").GetInt32();
        var decodeSeconds = (lastDelta - (firstDelta ?? lastDelta)) / 1000;
        var tokensPerSecond = completion > 1 && decodeSeconds > 0 ? (completion - 1) / decodeSeconds : 0;
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                answer = done.GetProperty("answer").GetString(),
                citations = done.GetProperty("citations"),
                sources,
                notice = done.GetProperty("notice").GetString(),
                completion_tokens = completion,
                time_to_first_token_ms = firstDelta,
                tokens_per_second = tokensPerSecond,
            }, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        Console.WriteLine();
        Console.WriteLine();
        Console.WriteLine(done.GetProperty("notice").GetString());
        var cited = done.GetProperty("citations").EnumerateArray().Select(c => c.GetProperty("number").GetInt32()).ToHashSet();
        Console.WriteLine(cited.Count > 0 ? "Sources (* = cited in the answer):" : "Sources the answer was given (the model cited none):");
        foreach (var source in sources)
        {
            var page = source.GetProperty("location").GetString() is { Length: > 0 } location ? $", {location}" : "";
            var section = source.GetProperty("section").GetString() is { Length: > 0 } s ? $", {s}" : "";
            var number = source.GetProperty("number").GetInt32();
            Console.WriteLine($" {(cited.Contains(number) ? '*' : ' ')}[{number}] {source.GetProperty("title").GetString()}{page}{section} ({source.GetProperty("collection_id").GetString()}/{source.GetProperty("path").GetString()})");
            Console.WriteLine($"      {new Uri(http.BaseAddress!, source.GetProperty("link").GetString()).AbsoluteUri}");
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Measured over HTTP: time to first token {firstDelta ?? 0:0} ms, {completion} tokens, {tokensPerSecond:0.0} tokens/s"));
        return 0;
    }
}
