using Appliance.Soak;
using Xunit.Abstractions;

namespace Appliance.Reliability.Tests;

/// <summary>
/// The short soak inside `make test`: 64 users for 60 seconds against a real agent process. It
/// asserts what must always hold, never speeds (those are in `make soak`'s report).
/// </summary>
public sealed class ShortSoakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Sixty_seconds_of_64_users_give_no_5xx_no_group_leak_no_lost_request_and_an_intact_query_log()
    {
        var seconds = int.TryParse(Environment.GetEnvironmentVariable("APPLIANCE_SHORT_SOAK_SECONDS"), out var s) ? s : 60;
        var report = await SoakRun.RunAsync(new SoakOptions(TimeSpan.FromSeconds(seconds), Clients: 64, CheckRss: false),
            new Progress<string>(output.WriteLine), CancellationToken.None);
        output.WriteLine(report.ToMarkdown());

        Assert.Equal(0, report.ServerErrors);
        Assert.Equal(0, report.Leaks);
        Assert.Equal(0, report.TooManyWithoutRetryAfter);
        Assert.Equal(0, report.TransportErrors);
        Assert.True(report.QueryLogChainIntact, report.QueryLogVerdict);
        Assert.Equal(0, report.AgentExitCode);
        Assert.Contains(report.Routes, r => r.Route == "/api/ask" && r.ByStatus.ContainsKey("200"));
        Assert.Contains(report.Routes, r => r.Route == "/api/search" && r.ByStatus.ContainsKey("200"));
        Assert.Contains(report.Routes, r => r.Route == "/v1/chat/completions" && r.ByStatus.ContainsKey("200"));
        Assert.Contains(report.Routes, r => r.Route == "/api/documents (upload)" && r.ByStatus.ContainsKey("201"));
        Assert.Equal(0, report.Hung);
        Assert.DoesNotContain(report.Violations, v => v.Contains("agent log") || v.Contains("readable or writable"));
    }
}
