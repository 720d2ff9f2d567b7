using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Appliance.Agent.Audit;
using Microsoft.Playwright;

namespace Appliance.Agent.Tests;

/// <summary>
/// The DPO investigates: the privacy log filtered by user, outcome and day, paged past the first 200
/// entries through the whole retention, documents by name, and the filtered view exported as CSV.
/// </summary>
public sealed class PrivacyLogPageTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task The_DPO_filters_pages_past_200_entries_sees_document_names_and_exports_the_view()
    {
        using var office = TestOffice.Create();
        await using var agent = await RunningAgent.StartAsync(office);
        var log = agent.App.Services.GetRequiredService<QueryLog>();
        using var dora = agent.As("dora");
        var holidays = (await dora.GetFromJsonAsync<JsonElement>("/api/documents")).EnumerateArray()
            .First(d => d.GetProperty("path").GetString() == "holidays.md").GetProperty("id").GetString()!;
        // 260 calls: lars is refused every tenth time, emil's searches return the holiday rules and a document dora may not read.
        for (var i = 0; i < 260; i++)
        {
            var (user, status) = i % 2 == 0 ? ("emil", 200) : ("lars", i % 10 == 1 ? 403 : 200);
            await log.AppendAsync(new QueryRecord(user, i % 3 == 0 ? "/api/ask" : "/api/search", $"question {i}",
                user == "emil" ? [holidays, "0000000000unreadable"] : [], 10, 5, TimeSpan.FromMilliseconds(20), status), CancellationToken.None);
        }
        var total = await log.CountAsync(CancellationToken.None);

        var page = await browser.SignedInAsync(agent, "dora");
        await page.ClickAsync("#nav a[data-page=dpo]");
        await Assertions.Expect(page.Locator("#log-count")).ToContainTextAsync($"200 of {total} matching");
        await page.ClickAsync("#log-older");
        await Assertions.Expect(page.Locator("#log-count")).ToContainTextAsync($"{total} of {total} matching");
        await Assertions.Expect(page.Locator("#log-older")).ToBeHiddenAsync();
        Assert.Equal(total, await page.Locator("#log tr").CountAsync());
        await Assertions.Expect(page.Locator("#log tr", new() { HasText = "question 258" })).ToContainTextAsync("holidays.md");
        await Assertions.Expect(page.Locator("#log tr", new() { HasText = "question 258" })).ToContainTextAsync("+1 you may not read");

        var today = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd");
        await page.FillAsync("#log-user", "lars");
        await page.SelectOptionAsync("#log-outcome", "refused");
        await page.FillAsync("#log-from", today);
        await page.ClickAsync("#log-filter button[type=submit]");
        await Assertions.Expect(page.Locator("#log-count")).ToContainTextAsync("26 of 26 matching");
        Assert.All(await page.Locator("#log tr").AllInnerTextsAsync(), r => Assert.Contains("403", r));
        await Browser.ShotAsync(page, "desktop-en-privacy-log-filtered");

        var csv = await page.APIRequest.GetAsync((await page.Locator("#log-csv").GetAttributeAsync("href"))!);
        Assert.Equal(200, csv.Status);
        Assert.StartsWith("text/csv", csv.Headers["content-type"]);
        var lines = (await csv.TextAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("seq,time,user,route", lines[0]);
        Assert.Equal(26, lines.Length - 1);
        Assert.All(lines.Skip(1), l => Assert.Contains(",lars,", l));
        await page.Context.CloseAsync();

        using var bad = await dora.GetAsync("/api/audit/log?outcome=sometimes");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var emil = agent.As("emil");
        using var refused = await emil.GetAsync("/api/audit/log.csv");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task The_DPO_erases_a_document_from_the_page_with_a_reason_that_the_erasure_log_keeps()
    {
        using var office = TestOffice.Create();
        await using var agent = await RunningAgent.StartAsync(office);
        var page = await browser.SignedInAsync(agent, "dora");
        await page.ClickAsync("#nav a[data-page=documents]");
        var parking = page.Locator("#documents tr", new() { HasText = "building.md" });
        await parking.Locator("button.erase").ClickAsync();
        await Assertions.Expect(page.Locator("#erase-what")).ToContainTextAsync("building.md");
        await page.FillAsync("#erase-reason", "Art. 17 request of 3 Dec, ticket 4711");
        await page.ClickAsync("#erase-form button[type=submit]");
        await Assertions.Expect(page.Locator("#erase-result")).ToContainTextAsync("Erased building.md");
        await Assertions.Expect(parking).ToHaveCountAsync(0);

        await page.ClickAsync("#nav a[data-page=dpo]");
        var record = page.Locator("#erasures tr", new() { HasText = "building.md" });
        await Assertions.Expect(record).ToContainTextAsync("Art. 17 request of 3 Dec, ticket 4711");
        await Assertions.Expect(record).ToContainTextAsync("dora");
        await page.Context.CloseAsync();

        // Employees see no Erase button, and the route refuses them.
        var employee = await browser.SignedInAsync(agent, "emil");
        await employee.ClickAsync("#nav a[data-page=documents]");
        await Assertions.Expect(employee.Locator("#documents tr").First).ToBeVisibleAsync();
        Assert.Equal(0, await employee.Locator("#documents button.erase").CountAsync());
        await employee.Context.CloseAsync();
        using var emil = agent.As("emil");
        var any = (await emil.GetFromJsonAsync<JsonElement>("/api/documents"))[0].GetProperty("id").GetString();
        using var refused = await emil.DeleteAsync($"/api/documents/{any}?reason=mine");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }
}
