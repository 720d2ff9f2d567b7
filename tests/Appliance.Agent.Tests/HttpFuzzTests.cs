using System.Net;
using System.Text;
using System.Text.Json;

namespace Appliance.Agent.Tests;

/// <summary>
/// Every route of the route table gets hostile requests — wrong methods, malformed JSON, wrong
/// content types, control characters, a huge body, a huge header — with valid credentials, so the
/// request reaches the handlers. Never a 5xx, never a hang; what the application refuses it refuses
/// with a JSON body.
/// </summary>
[Collection("agent")]
public sealed class HttpFuzzTests(AgentFixture fixture)
{
    private readonly RunningAgent _agent = fixture.Agent;

    // A short answer cap: the point is the characters, and a 384-token answer on a busy 2-core runner can outlast the 60 s "hang" limit.
    private const string ControlCharacters =
        """{"question":"\u0000\u001b[31m\u202e\ud83d\ude00","query":"\u0000\u0007","model":"\u0008","input":"\u0000","name":"..\/..\/etc\/passwd","messages":[{"role":"user","content":"\u0000\u001f"}],"max_tokens":16}""";

    private sealed record Attempt(string Name, Func<string, string, HttpRequestMessage> Build, bool MustRefuse, bool JsonBody);

    private static readonly Attempt[] Attempts =
    [
        new("malformed JSON", (m, p) => With(new HttpRequestMessage(new HttpMethod(m), p), "{\"question\": \"unterminated", "application/json"), MustRefuse: true, JsonBody: true),
        new("wrong content type", (m, p) => With(new HttpRequestMessage(new HttpMethod(m), p), "<question>xml</question>", "text/xml"), MustRefuse: false, JsonBody: true),
        new("wrong method", (_, p) => new HttpRequestMessage(HttpMethod.Patch, p), MustRefuse: true, JsonBody: true),
        new("control characters", (m, p) => With(new HttpRequestMessage(new HttpMethod(m), p), ControlCharacters, "application/json"), MustRefuse: false, JsonBody: true),
        new("huge body", (m, p) => With(new HttpRequestMessage(new HttpMethod(m), p), new string('a', 80 * 1024 * 1024), "application/json"), MustRefuse: true, JsonBody: true),
        new("huge header", (m, p) => { var r = new HttpRequestMessage(new HttpMethod(m), p); r.Headers.TryAddWithoutValidation("X-Junk", new string('h', 100_000)); return r; }, MustRefuse: true, JsonBody: false),
    ];

    [Fact]
    public async Task Hostile_requests_to_every_route_get_4xx_with_json_never_5xx_never_a_hang()
    {
        var failures = new List<string>();
        foreach (var (method, path, _) in RouteSecurityTests.Routes(_agent))
        {
            if (path == "/api/session" && method == "DELETE") continue; // signing out is not hostile; it would end the test's session
            using var client = _agent.As(path.StartsWith("/api/audit", StringComparison.Ordinal) ? "dora" : "anna");
            client.Timeout = TimeSpan.FromSeconds(60);
            foreach (var attempt in Attempts)
            {
                if (attempt.Name is "huge body" or "malformed JSON" or "wrong content type" or "control characters" && method is "GET" or "DELETE") continue;
                using var request = attempt.Build(method, path);
                HttpResponseMessage response;
                try
                {
                    response = await client.SendAsync(request);
                }
                catch (TaskCanceledException)
                {
                    failures.Add($"{method} {path} [{attempt.Name}]: no answer within 60 s");
                    continue;
                }
                catch (HttpRequestException) when (attempt.Name == "huge body")
                {
                    continue; // Kestrel may close the connection on an over-limit body: refused, not served.
                }
                using (response)
                {
                    var status = (int)response.StatusCode;
                    var body = await response.Content.ReadAsStringAsync();
                    if (status >= 500) failures.Add($"{method} {path} [{attempt.Name}]: {status} {Short(body)}");
                    else if (attempt.MustRefuse && status < 400) failures.Add($"{method} {path} [{attempt.Name}]: accepted with {status}");
                    else if (status >= 400 && attempt.JsonBody && !IsJson(response, body)) failures.Add($"{method} {path} [{attempt.Name}]: {status} without a JSON body ({response.Content.Headers.ContentType}) {Short(body)}");
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    private static HttpRequestMessage With(HttpRequestMessage request, string body, string contentType)
    {
        request.Content = new StringContent(body, Encoding.UTF8);
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        return request;
    }

    private static bool IsJson(HttpResponseMessage response, string body)
    {
        if (response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) != true) return false;
        try { using var _ = JsonDocument.Parse(body); return true; }
        catch (JsonException) { return false; }
    }

    private static string Short(string text) => text.Length <= 160 ? text : text[..160] + "…";
}
