using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;

namespace Appliance.Agent.Tests;

[Collection("agent")]
public sealed class MetricsTests(AgentFixture fixture)
{
    [Fact]
    public async Task Metrics_are_Prometheus_text_with_requests_latency_inference_and_index_figures()
    {
        using var emil = fixture.Agent.As("emil");
        await emil.PostAsJsonAsync("/v1/chat/completions", new { model = "tiny-chat", max_tokens = 3, messages = new[] { new { role = "user", content = "hi" } } });
        (await emil.PostAsJsonAsync("/v1/chat/completions", new { model = "tiny-chat", max_tokens = 3, stream = true, ignore_eos = true, messages = new[] { new { role = "user", content = "hi" } } }))
            .EnsureSuccessStatusCode();
        using var anna = fixture.Agent.As("anna");
        using var response = await anna.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Matches(@"appliance_http_requests_total\{route=""/v1/chat/completions"",method=""POST"",status=""200""\} [1-9]", text);
        Assert.Matches(@"appliance_http_request_duration_seconds_bucket\{route=""/v1/chat/completions"",le=""\+Inf""\} [1-9]", text);
        Assert.Matches(@"appliance_inference_completion_tokens_total [1-9]", text);
        Assert.Matches(@"appliance_inference_active_sequences \d", text);
        Assert.Matches(@"appliance_index_documents [1-9]", text);
        Assert.Matches(@"appliance_index_bytes [1-9]", text);
        Assert.Contains("test=\"1\"", text);
        // Where serving time goes: the decode loop's parts and the streaming request's own costs, each measured.
        Assert.True(Seconds(text, "appliance_decode_loop_seconds_total", "engine") > 0, text);
        Assert.True(Seconds(text, "appliance_decode_loop_seconds_total", "sampling") > 0, text);
        Assert.True(Seconds(text, "appliance_stream_seconds_total", "send") > 0, text);
        Assert.True(Seconds(text, "appliance_stream_seconds_total", "query_log") > 0, text);
        Assert.True(Seconds(text, "appliance_stream_calls_total", "json") >= 3, text);   // the role chunk, a token and [DONE] at least
        // Where the memory is: resident set, managed heap and SQLite's share, each a real figure.
        Assert.Matches(@"process_resident_memory_bytes [1-9]\d{6,}", text);
        Assert.Matches(@"dotnet_gc_heap_size_bytes \d", text);  // 0 until the first collection
        Assert.Matches(@"appliance_sqlite_memory_bytes [1-9]", text);
        // Every sample line belongs to a family declared with HELP and TYPE.
        foreach (Match sample in Regex.Matches(text, @"^([a-z_]+?)(_bucket|_sum|_count)?(\{| )", RegexOptions.Multiline))
            Assert.Contains($"# TYPE {sample.Groups[1].Value} ", text);
        Assert.DoesNotContain("emil", text);  // no user names in labels
    }

    private static double Seconds(string metrics, string family, string part) =>
        double.Parse(Regex.Match(metrics, $@"^{family}\{{part=""{part}""\}} (\S+)$", RegexOptions.Multiline).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Metrics_are_for_admins_only()
    {
        using var emil = fixture.Agent.As("emil");
        Assert.Equal(HttpStatusCode.Forbidden, (await emil.GetAsync("/metrics")).StatusCode);
    }
}
