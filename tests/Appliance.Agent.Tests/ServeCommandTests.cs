using System.Net;
using System.Net.Sockets;

namespace Appliance.Agent.Tests;

/// <summary>`appliance serve` as an operator runs it, when something else already holds its port.</summary>
public sealed class ServeCommandTests
{
    [Fact]
    public async Task A_busy_port_is_named_with_the_setting_that_chose_it_and_serve_exits_non_zero_without_a_stack_trace()
    {
        using var other = new TcpListener(IPAddress.Any, 0);
        other.Start();
        var port = ((IPEndPoint)other.LocalEndpoint).Port;
        using var office = TestOffice.Create(agentPort: port);

        var result = await AgentProgram.RunAsync(null, "serve", "-c", office.ConfigFile);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"port {port} is in use (network.agent_port in {office.ConfigFile})", result.StandardError);
        Assert.DoesNotContain("   at ", result.StandardError + result.StandardOutput);
        Assert.DoesNotContain("Exception", result.StandardError + result.StandardOutput);
    }

    [Fact]
    public async Task A_busy_port_given_with_urls_names_urls()
    {
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();
        var port = ((IPEndPoint)other.LocalEndpoint).Port;
        using var office = TestOffice.Create();

        var result = await AgentProgram.RunAsync(null, "serve", "-c", office.ConfigFile, "--urls", $"http://127.0.0.1:{port}");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"port {port} is in use (set by --urls)", result.StandardError);
        Assert.DoesNotContain("   at ", result.StandardError + result.StandardOutput);
    }
}
