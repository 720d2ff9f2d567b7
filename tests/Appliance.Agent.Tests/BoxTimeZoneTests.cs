using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Appliance.Agent.Tests;

/// <summary>A box in Zurich shows Zurich time — on the page and in an exported conversation — not UTC.</summary>
public sealed class BoxTimeZoneTests(Browser browser) : IClassFixture<Browser>, IAsyncLifetime
{
    private static readonly TimeZoneInfo Zurich = TimeZoneInfo.FindSystemTimeZoneById("Europe/Zurich");
    private readonly TestOffice _office = TestOffice.Create();
    private RunningAgent _agent = null!;

    public async Task InitializeAsync() => _agent = await RunningAgent.StartAsync(_office, clock: new ZonedClock(Zurich));

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        _office.Dispose();
    }

    [Fact]
    public async Task Times_on_the_page_and_in_an_export_are_the_boxs_local_time()
    {
        using var emil = _agent.As("emil");
        Assert.Equal("Europe/Zurich", (await emil.GetFromJsonAsync<JsonElement>("/api/status")).GetProperty("time_zone").GetString());

        using var asked = await emil.PostAsJsonAsync("/api/ask", new { question = "Where do I park?", max_tokens = 4 });
        var sources = (await ServerSentEventReader.ReadAllAsync(asked)).Single(e => e.Event == "sources").Data;
        var id = sources.GetProperty("conversation").GetProperty("id").GetString()!;
        var turn = (await emil.GetFromJsonAsync<JsonElement>($"/api/conversations/{id}")).GetProperty("turns")[0];
        var askedAt = TimeZoneInfo.ConvertTime(turn.GetProperty("asked_at").GetDateTimeOffset(), Zurich);
        var markdown = await emil.GetStringAsync($"/api/conversations/{id}/export?format=markdown&lang=de");
        Assert.Contains($"gestellt {askedAt:dd.MM.yyyy HH:mm}", markdown);
        Assert.Contains("(Europe/Zurich)", markdown);

        var page = await browser.SignedInAsync(_agent, "emil", locale: "en-GB");
        await page.EvaluateAsync("() => location.hash = '#documents'");
        var document = (await emil.GetFromJsonAsync<JsonElement>("/api/documents"))[0];
        var added = TimeZoneInfo.ConvertTime(document.GetProperty("added_at").GetDateTimeOffset(), Zurich);
        await Assertions.Expect(page.Locator("#documents tr").First.Locator("td").Nth(5)).ToContainTextAsync($"{added:HH:mm}");
        await page.Context.CloseAsync();
    }

    /// <summary>The real clock in another time zone: what a box set to that zone reports.</summary>
    private sealed class ZonedClock(TimeZoneInfo zone) : TimeProvider
    {
        public override TimeZoneInfo LocalTimeZone => zone;
    }
}
