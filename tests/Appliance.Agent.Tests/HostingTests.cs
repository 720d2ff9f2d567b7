using System.Net;
using System.Net.Http.Json;
using Appliance.Agent.Hosting;

namespace Appliance.Agent.Tests;

/// <summary>HTTPS from the configured certificate, and a shutdown that lets answers in progress finish.</summary>
public sealed class HostingTests : IDisposable
{
    private readonly TestOffice _office = TestOffice.Create(tls: true);

    [Fact]
    public async Task Over_HTTPS_with_the_configured_certificate_a_stop_drains_the_stream_in_progress()
    {
        var app = await AgentHost.BuildAsync(new AgentOptions
        {
            Config = _office.Config,
            ConfigDirectory = _office.Folder,
            Urls = ["https://127.0.0.1:0"],
            InitialPassword = TestOffice.Password,
            MinimumLogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
        }, CancellationToken.None);
        await app.StartAsync();
        var address = new Uri(AgentHost.BoundAddresses(app).Single());
        Assert.Equal("https", address.Scheme);

        var expected = File.ReadAllText(Path.Combine(_office.Folder, "tls", "cert.pem"));
        string? served = null;
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                served = certificate!.ExportCertificatePem();
                return true;
            },
        };
        using var client = new HttpClient(handler) { BaseAddress = address };
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(expected.Trim(), served?.Trim());

        using var signIn = await client.PostAsJsonAsync("/api/session", new { name = "emil", password = TestOffice.Password });
        Assert.Contains("secure", signIn.Headers.GetValues("Set-Cookie").Single(), StringComparison.OrdinalIgnoreCase);

        var token = (await app.Services.GetRequiredService<Appliance.Agent.Identity.IdentityStore>().IssueTokenAsync("emil", "t", CancellationToken.None)).Secret;
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = "tiny-chat", stream = true, max_tokens = 12, temperature = 0, messages = new[] { new { role = "user", content = "Tell me something." } } }),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.StartsWith("data: ", await reader.ReadLineAsync());

        // Asked to stop while answering: the stream still runs to its end.
        var stopping = app.StopAsync();
        var rest = await reader.ReadToEndAsync();
        await stopping;
        Assert.EndsWith("data: [DONE]", rest.Trim());
        Assert.Matches("\"finish_reason\":\"(stop|length)\"", rest);
        await app.DisposeAsync();
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _office.Dispose();
    }
}
