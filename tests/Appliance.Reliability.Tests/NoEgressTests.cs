using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Appliance.Soak;
using Xunit.Abstractions;

namespace Appliance.Reliability.Tests;

/// <summary>
/// "Nothing leaves the LAN", checked at the system-call level: the agent runs under strace from its
/// first instruction, serves every kind of request, and stops. Every connect() it made must go to
/// loopback or a local socket — with the llama backend there is no upstream it may call.
/// </summary>
public sealed partial class NoEgressTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_agent_makes_no_outbound_connection_while_serving_every_route()
    {
        using var box = new SoakBox(users: 2, queueLimit: 16, parallel: 2);
        (await AgentProcess.VerbAsync(box, CancellationToken.None, "ingest")).EnsureSuccess();
        box.AdminToken = (await AgentProcess.VerbAsync(box, CancellationToken.None, "users", "token", SoakBox.Admin, "--label", "egress")).EnsureSuccess().StandardOutput.Trim();
        var trace = Path.Combine(box.Folder, "connect.trace");

        await using (var agent = await AgentProcess.StartAsync(box, CancellationToken.None, ["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", trace]))
        {
            using var http = new HttpClient { BaseAddress = agent.Address, Timeout = TimeSpan.FromMinutes(2) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", box.AdminToken);
            var model = (await http.GetFromJsonAsync<ModelList>("/v1/models"))!.Data[0].Id;
            (await http.PostAsJsonAsync("/api/search", new { query = "leave", k = 3 })).EnsureSuccessStatusCode();
            (await http.PostAsJsonAsync("/api/ask", new { question = "How many days of leave do I get?", max_tokens = 16 })).EnsureSuccessStatusCode();
            (await http.PostAsJsonAsync("/v1/chat/completions", new { model, max_tokens = 8, messages = new[] { new { role = "user", content = "hello" } } })).EnsureSuccessStatusCode();
            (await http.PostAsJsonAsync("/v1/embeddings", new { model = "tiny-embed (generated test model)", input = "leave policy" })).EnsureSuccessStatusCode();
            (await http.PostAsync("/api/documents?collection=handbook&name=egress-note.txt", new StringContent("a note"))).EnsureSuccessStatusCode();
            (await http.GetAsync("/metrics")).EnsureSuccessStatusCode();
            Assert.Equal(0, await agent.StopAsync());
        }

        var lines = File.ReadAllLines(trace);
        // The trace must have seen the agent answer over its sockets, or an empty trace would pass vacuously.
        Assert.True(lines.Count(l => l.Contains("sendto(") || l.Contains("sendmsg(")) >= 7, $"strace saw too little of the agent:\n{string.Join('\n', lines.Take(20))}");
        var calls = lines.Where(l => l.Contains("connect(") || l.Contains("sa_family=AF_INET")).ToList();
        output.WriteLine($"{lines.Length} socket calls traced, {calls.Count} with an address");
        var outbound = calls.Where(l => AddressFamily().Match(l) is { Success: true } m && !IsLocal(m.Value, l)).ToList();
        Assert.True(outbound.Count == 0, "outbound connections:\n" + string.Join('\n', outbound));
    }

    private static bool IsLocal(string family, string call) => family switch
    {
        "AF_UNIX" or "AF_NETLINK" => true,
        "AF_INET" => Ipv4().Match(call) is { Success: true } m && m.Groups[1].Value.StartsWith("127.", StringComparison.Ordinal),
        "AF_INET6" => Ipv6().Match(call) is { Success: true } m
                      && (m.Groups[1].Value == "::1" || m.Groups[1].Value.StartsWith("::ffff:127.", StringComparison.Ordinal)),
        _ => false,
    };

    private sealed record ModelList(List<ModelEntry> Data);
    private sealed record ModelEntry(string Id);

    [GeneratedRegex("AF_[A-Z0-9]+")]
    private static partial Regex AddressFamily();

    [GeneratedRegex("inet_addr\\(\"([0-9.]+)\"\\)")]
    private static partial Regex Ipv4();

    [GeneratedRegex("inet_pton\\(AF_INET6, \"([0-9a-fA-F:.]+)\"")]
    private static partial Regex Ipv6();
}
