using System.Net.Http.Headers;
using System.Net.Http.Json;
using Appliance.Agent.Hosting;
using Appliance.Agent.Identity;
using Microsoft.Extensions.Logging;

namespace Appliance.Agent.Tests;

/// <summary>The real agent on a loopback port (Kestrel, real HTTP), with an API token per test user.</summary>
public sealed class RunningAgent : IAsyncDisposable
{
    private RunningAgent(WebApplication app, Uri baseAddress, IReadOnlyDictionary<string, string> tokens) =>
        (App, BaseAddress, Tokens) = (app, baseAddress, tokens);

    public WebApplication App { get; }
    public Uri BaseAddress { get; }

    /// <summary>user name → API token.</summary>
    public IReadOnlyDictionary<string, string> Tokens { get; }

    /// <param name="configureServices">replaces one of the agent's services (a fault put into a real part)</param>
    /// <param name="clock">the box's clock and time zone; the system's by default</param>
    public static async Task<RunningAgent> StartAsync(TestOffice office, Action<IServiceCollection>? configureServices = null, TimeProvider? clock = null)
    {
        var app = await AgentHost.BuildAsync(new AgentOptions
        {
            Config = office.Config,
            ConfigDirectory = office.Folder,
            Urls = ["http://127.0.0.1:0"],
            InitialPassword = TestOffice.Password,
            MinimumLogLevel = LogLevel.Warning,
            ConfigureServices = configureServices,
            Clock = clock ?? TimeProvider.System,
        }, CancellationToken.None);
        await app.StartAsync();
        var address = AgentHost.BoundAddresses(app).Single();
        var store = app.Services.GetRequiredService<IdentityStore>();
        var tokens = new Dictionary<string, string>();
        foreach (var user in office.Config.Auth.Users)
            tokens[user.Name] = (await store.IssueTokenAsync(user.Name, "tests", CancellationToken.None)).Secret;
        await app.Services.GetRequiredService<Appliance.Rag.DocumentLibrary>().IngestAsync(null, null, CancellationToken.None);
        // The agent's own sync at start has nothing left to do, but tests begin once it has ended.
        await app.Services.GetRequiredService<Appliance.Agent.Documents.IngestionJobs>().IdleAsync(CancellationToken.None);
        return new RunningAgent(app, new Uri(address), tokens);
    }

    /// <summary>A client with no credentials that keeps no cookies.</summary>
    public HttpClient Anonymous() => new(new HttpClientHandler { UseCookies = false }) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };

    public HttpClient As(string user)
    {
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Tokens[user]);
        return client;
    }

    /// <summary>A browser-like client: signs in with the password and keeps the session cookie.</summary>
    public async Task<(HttpClient Client, string Csrf)> SignInAsync(string user, string password = TestOffice.Password)
    {
        var client = new HttpClient(new HttpClientHandler { UseCookies = true, CookieContainer = new System.Net.CookieContainer() })
        {
            BaseAddress = BaseAddress,
        };
        var response = await client.PostAsJsonAsync("/api/session", new { name = user, password });
        response.EnsureSuccessStatusCode();
        var session = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        return (client, session.GetProperty("csrf_token").GetString()!);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary>One agent shared by every test class of the "agent" collection (starting it costs model loading).</summary>
public sealed class AgentFixture : IAsyncLifetime
{
    public TestOffice Office { get; } = TestOffice.Create();
    public RunningAgent Agent { get; private set; } = null!;

    public async Task InitializeAsync() => Agent = await RunningAgent.StartAsync(Office);

    public async Task DisposeAsync()
    {
        await Agent.DisposeAsync();
        Office.Dispose();
    }
}

[CollectionDefinition("agent")]
public sealed class AgentCollection : ICollectionFixture<AgentFixture>;
