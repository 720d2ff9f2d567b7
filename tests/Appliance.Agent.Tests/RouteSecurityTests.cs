using System.Net;
using System.Text.RegularExpressions;
using Appliance.Agent.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;

namespace Appliance.Agent.Tests;

/// <summary>The route table itself is the test input: a route added tomorrow is covered without editing this file.</summary>
[Collection("agent")]
public sealed class RouteSecurityTests(AgentFixture fixture)
{
    private readonly RunningAgent _agent = fixture.Agent;

    public static IEnumerable<(string Method, string Path, RouteEndpoint Endpoint)> Routes(RunningAgent agent) =>
        agent.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => (m, Concrete(e.RoutePattern.RawText ?? "/"), e)));

    private static string Concrete(string template) =>
        "/" + Regex.Replace(template.TrimStart('/'), @"\{[^}]+\}", "x1");

    [Fact]
    public void The_route_table_is_not_trivially_small()
    {
        // Guards the tests below against passing vacuously on an empty table.
        Assert.True(Routes(_agent).Count() >= 15, $"only {Routes(_agent).Count()} routes found");
    }

    [Fact]
    public async Task Every_route_but_healthz_answers_401_without_credentials()
    {
        using var client = _agent.Anonymous();
        var failures = new List<string>();
        foreach (var (method, path, _) in Routes(_agent))
        {
            using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            var expected = path == "/healthz" ? HttpStatusCode.OK : HttpStatusCode.Unauthorized;
            if (response.StatusCode != expected) failures.Add($"{method} {path} → {(int)response.StatusCode}, expected {(int)expected}");
        }
        Assert.Empty(failures);
    }

    [Fact]
    public async Task A_revoked_or_made_up_token_gets_401_everywhere()
    {
        using var client = _agent.Anonymous();
        client.DefaultRequestHeaders.Authorization = new("Bearer", "apl_this-token-was-never-issued");
        foreach (var (method, path, _) in Routes(_agent).Where(r => r.Path != "/healthz"))
        {
            using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} → {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task An_employee_reaches_no_admin_or_dpo_route()
    {
        var guarded = Routes(_agent).Where(r => Policies(r.Endpoint).Any(p => p is RoleNames.Admin or RoleNames.Dpo or Appliance.Agent.Identity.Policies.Erasure)).ToList();
        Assert.Contains(guarded, r => r.Path.StartsWith("/api/admin/", StringComparison.Ordinal));
        Assert.Contains(guarded, r => r.Path.StartsWith("/api/audit/", StringComparison.Ordinal));
        using var employee = _agent.As("emil");
        foreach (var (method, path, _) in guarded)
        {
            using var response = await employee.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"employee: {method} {path} → {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task Employees_and_admins_reach_no_dpo_route_and_are_told_so_in_json()
    {
        var dpoRoutes = Routes(_agent).Where(r => Policies(r.Endpoint).Contains(RoleNames.Dpo)).ToList();
        Assert.Contains(dpoRoutes, r => r.Path == "/api/audit/access-report");
        Assert.Contains(dpoRoutes, r => r.Path == "/api/audit/security");
        foreach (var user in new[] { "emil", "anna" })
        {
            using var client = _agent.As(user);
            foreach (var (method, path, _) in dpoRoutes)
            {
                using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
                Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{user}: {method} {path} → {(int)response.StatusCode}");
                Assert.Contains("json", response.Content.Headers.ContentType?.MediaType ?? "");
                using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            }
        }
    }

    [Fact]
    public void Every_route_but_the_three_public_doors_declares_a_policy_on_its_group()
    {
        var open = Routes(_agent).Where(r => !Policies(r.Endpoint).Any() && !r.Endpoint.Metadata.OfType<IAuthorizeData>().Any())
            .Select(r => $"{r.Method} {r.Path}").ToHashSet();
        Assert.Equal(new HashSet<string> { "GET /healthz", "GET /", "POST /api/session" }, open);
    }

    private static IEnumerable<string> Policies(RouteEndpoint endpoint) =>
        endpoint.Metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>();
}
