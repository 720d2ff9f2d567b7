using Microsoft.Playwright;

namespace Appliance.Agent.Tests;

/// <summary>
/// A lawyer asks the box, on the Jobs page, to summarise the client matters now; the page follows the
/// job to "done", lists the result under Ready — labelled as written by a test model — and opens it.
/// </summary>
public sealed class JobsPageTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task A_lawyer_starts_a_job_on_the_page_follows_it_and_opens_the_result_labelled_as_test_model_text()
    {
        using var office = TestOffice.Create();
        await using var agent = await RunningAgent.StartAsync(office);
        var page = await browser.SignedInAsync(agent, "lars");
        await page.ClickAsync("#nav a[data-page=jobs]");
        await page.FillAsync("#job-name", "Client matters overnight");
        await page.SelectOptionAsync("#job-task", "summarise");
        await page.SelectOptionAsync("#job-collection", "clients");
        await page.SelectOptionAsync("#job-schedule", "now");
        await page.ClickAsync("#job-form button[type=submit]");

        var job = page.Locator("#jobs tr", new() { HasText = "Client matters overnight" });
        await Assertions.Expect(job.Locator(".job-state")).ToHaveTextAsync("done", new() { Timeout = 120_000 });
        await Assertions.Expect(job).ToContainTextAsync("2 of 2");
        var ready = page.Locator("#jobs-ready li", new() { HasText = "Client matters overnight" });
        await Assertions.Expect(ready.Locator(".test-model-label")).ToHaveTextAsync("written by a test model: the text is meaningless");
        await Assertions.Expect(page.Locator("#test-model-banner")).ToBeVisibleAsync();
        await Browser.ShotAsync(page, "desktop-en-jobs");

        await ready.Locator("a.job-result").ClickAsync();
        await Assertions.Expect(page.Locator("#viewer-title")).ToHaveTextAsync("Client matters overnight");
        await Assertions.Expect(page.Locator("#viewer-text")).ToContainTextAsync("TEST MODEL");
        await Assertions.Expect(page.Locator("#viewer-text")).ToContainTextAsync("mueller-merger.md");
        await page.Context.CloseAsync();

        // A colleague's Jobs page shows none of it.
        var emil = await browser.SignedInAsync(agent, "emil");
        await emil.ClickAsync("#nav a[data-page=jobs]");
        await Assertions.Expect(emil.Locator("#jobs-none")).ToBeVisibleAsync();
        Assert.Equal(0, await emil.Locator("#jobs-ready li").CountAsync());
        await emil.Context.CloseAsync();
    }
}
