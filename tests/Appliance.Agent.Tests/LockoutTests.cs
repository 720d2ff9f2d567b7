using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Appliance.Audit.Evidence;

namespace Appliance.Agent.Tests;

/// <summary>Its own agent: locking accounts must not disturb the shared one.</summary>
public sealed class LockoutTests : IAsyncLifetime
{
    private readonly TestOffice _office = TestOffice.Create(lockoutAttempts: 3);
    private RunningAgent _agent = null!;

    public async Task InitializeAsync() => _agent = await RunningAgent.StartAsync(_office);

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        _office.Dispose();
    }

    [Fact]
    public async Task Three_wrong_passwords_lock_the_account_even_against_the_right_one_until_an_admin_unlocks_it()
    {
        using var client = _agent.Anonymous();
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/session", new { name = "emil", password = $"guess number {i}" })).StatusCode);

        using var right = await client.PostAsJsonAsync("/api/session", new { name = "emil", password = TestOffice.Password });
        Assert.Equal(HttpStatusCode.Unauthorized, right.StatusCode);
        Assert.Equal("account locked", (await right.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());

        using var anna = _agent.As("anna");
        Assert.Equal(HttpStatusCode.NoContent, (await anna.PostAsync("/api/admin/users/emil/unlock", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/session", new { name = "emil", password = TestOffice.Password })).StatusCode);
    }

    [Fact]
    public async Task A_success_before_the_limit_resets_the_count()
    {
        using var client = _agent.Anonymous();
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < 2; i++)
                await client.PostAsJsonAsync("/api/session", new { name = "lars", password = "wrong password" });
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/session", new { name = "lars", password = TestOffice.Password })).StatusCode);
        }
    }

    [Fact]
    public async Task Every_attempt_is_counted_by_outcome_with_no_password_and_no_unknown_name_kept()
    {
        using var client = _agent.Anonymous();
        await client.PostAsJsonAsync("/api/session", new { name = "s3cret-typed-as-name", password = "whatever" });
        for (var i = 0; i < 3; i++)
            await client.PostAsJsonAsync("/api/session", new { name = "emil", password = $"guess number {i}" });
        await client.PostAsJsonAsync("/api/session", new { name = "emil", password = TestOffice.Password });
        await client.PostAsJsonAsync("/api/session", new { name = "lars", password = TestOffice.Password });

        var events = _agent.App.Services.GetRequiredService<Appliance.Agent.Audit.SecurityEvents>();
        var counts = (await events.SignInsAsync(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), CancellationToken.None))
            .ToDictionary(c => c.Kind, c => c.Count);
        Assert.Equal(new Dictionary<string, int>
        {
            [SignInOutcomes.UnknownUser] = 1, [SignInOutcomes.WrongPassword] = 3, [SignInOutcomes.Lockout] = 1,
            [SignInOutcomes.Locked] = 1, [SignInOutcomes.SignedIn] = 1,
        }, counts);

        var file = Path.Combine(_office.DataFolder, Appliance.Agent.Audit.SecurityEvents.FileName);
        var raw = System.Text.Encoding.Latin1.GetString([.. File.ReadAllBytes(file), .. File.Exists(file + "-wal") ? File.ReadAllBytes(file + "-wal") : []]);
        Assert.Contains("emil", raw);
        foreach (var secret in new[] { "s3cret-typed-as-name", "guess number", TestOffice.Password, "whatever" })
            Assert.DoesNotContain(secret, raw);
    }
}
