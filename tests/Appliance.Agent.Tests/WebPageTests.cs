using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Appliance.Agent.Tests;

/// <summary>The page in Debian's Chromium (never a downloaded browser), driven by Playwright; one screenshot per page.</summary>
[Collection("agent")]
public sealed class WebPageTests(AgentFixture fixture) : IAsyncLifetime
{
    private readonly RunningAgent _agent = fixture.Agent;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public static string Artifacts { get; } = Path.Combine(TestOffice.RepoRoot, "tests", "artifacts");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Artifacts);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    private async Task<IPage> SignedInPageAsync(string user)
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = _agent.BaseAddress.ToString(), ViewportSize = new() { Width = 1200, Height = 900 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await page.FillAsync("#sign-in-name", user);
        await page.FillAsync("#sign-in-password", TestOffice.Password);
        await page.ClickAsync("#sign-in-form button[type=submit]");
        await page.WaitForSelectorAsync("#nav a");
        return page;
    }

    private static Task ShotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Artifacts, name + ".png"), FullPage = true });

    [Fact]
    public async Task Sign_in_ask_see_a_streamed_answer_follow_a_citation_upload_and_sign_out()
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = _agent.BaseAddress.ToString() });
        var page = await context.NewPageAsync();
        var first = await page.GotoAsync("/");
        Assert.Equal(401, first!.Status);
        await page.WaitForSelectorAsync("#sign-in-form");
        await ShotAsync(page, "1-sign-in");

        await page.FillAsync("#sign-in-name", "lars");
        await page.FillAsync("#sign-in-password", "wrong password");
        await page.ClickAsync("#sign-in-form button[type=submit]");
        await Assertions.Expect(page.Locator("#sign-in-error")).ToContainTextAsync("wrong");

        await page.FillAsync("#sign-in-password", TestOffice.Password);
        await page.ClickAsync("#sign-in-form button[type=submit]");
        await Assertions.Expect(page.Locator("#who")).ToContainTextAsync("Lars Lawyer");
        await Assertions.Expect(page.Locator("#ai-notice")).ToContainTextAsync("AI-generated");
        using var lars = _agent.As("lars");
        var status = await lars.GetFromJsonAsync<JsonElement>("/api/status");
        Assert.True(status.GetProperty("test_model").GetBoolean());
        await Assertions.Expect(page.Locator("#test-model-banner")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#test-model-banner")).ToContainTextAsync("meaningless");

        // The page asks for a full-length answer; on 2 shared cores the test asks the agent for a short one.
        await page.RouteAsync("**/api/ask", route =>
        {
            var body = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(route.Request.PostData!)!;
            body["max_tokens"] = JsonSerializer.SerializeToElement(16);
            return route.ContinueAsync(new RouteContinueOptions { PostData = JsonSerializer.SerializeToUtf8Bytes(body) });
        });
        await page.FillAsync("#question", "What is kept in escrow in the merger?");
        await page.ClickAsync("#ask-button");
        await Assertions.Expect(page.Locator("#answer-meta")).ToContainTextAsync("first words after", new() { Timeout = 60_000 });
        Assert.NotEmpty(await page.Locator("#answer-text").InnerTextAsync());
        var source = page.Locator("#sources a.source-link", new() { HasText = "Müller" }).First;
        await Assertions.Expect(source).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("^/api/documents/.+/content#"));
        await ShotAsync(page, "2-ask");

        var popup = await page.RunAndWaitForPopupAsync(() => source.ClickAsync());
        await popup.WaitForLoadStateAsync();
        Assert.Contains("escrow", await popup.ContentAsync());
        await popup.CloseAsync();

        await page.ClickAsync("#nav a[data-page=documents]");
        await Assertions.Expect(page.Locator("#documents tr").First).ToBeVisibleAsync();
        await page.SetInputFilesAsync("#upload-file", new FilePayload { Name = "bauer-memo.txt", MimeType = "text/plain", Buffer = "Memo: the Bauer lease ends in May."u8.ToArray() });
        await page.ClickAsync("#upload-form button[type=submit]");
        await Assertions.Expect(page.Locator("#upload-result")).ToContainTextAsync("Uploaded and indexed");
        await Assertions.Expect(page.Locator("#documents")).ToContainTextAsync("uploads/bauer-memo.txt");
        await ShotAsync(page, "3-documents");

        await page.ClickAsync("#sign-out");
        await Assertions.Expect(page.Locator("#sign-in-form")).ToBeVisibleAsync();
        Assert.Equal(401, (await page.APIRequest.GetAsync("/api/session")).Status);
    }

    [Fact]
    public async Task The_admin_sees_users_and_issues_a_token_that_is_shown_once()
    {
        var page = await SignedInPageAsync("anna");
        await page.ClickAsync("#nav a[data-page=admin]");
        await Assertions.Expect(page.Locator("#users")).ToContainTextAsync("Dora DPO");
        await page.SelectOptionAsync("#token-user", "emil");
        await page.FillAsync("#token-name", "browser test");
        await page.ClickAsync("#token-form button[type=submit]");
        await Assertions.Expect(page.Locator("#token-secret")).ToContainTextAsync("apl_");
        await Assertions.Expect(page.Locator("#tokens")).ToContainTextAsync("browser test");
        await ShotAsync(page, "4-admin");
        Assert.Equal(0, await page.Locator("#nav a[data-page=dpo]").CountAsync());
        Assert.Equal(0, await page.Locator("#nav a[data-page=audit]").CountAsync());
    }

    [Fact]
    public async Task The_DPO_sees_the_verified_query_log_and_the_erasures()
    {
        using var lars = _agent.As("lars");
        await lars.PostAsJsonAsync("/api/search", new { query = "litigation" });
        var page = await SignedInPageAsync("dora");
        await page.ClickAsync("#nav a[data-page=dpo]");
        await Assertions.Expect(page.Locator("#chain")).ToContainTextAsync("Chain intact");
        await Assertions.Expect(page.Locator("#log")).ToContainTextAsync("/api/search");
        await ShotAsync(page, "5-privacy-log");
        Assert.Equal(0, await page.Locator("#nav a[data-page=admin]").CountAsync());
    }

    [Fact]
    public async Task The_DPO_audit_page_shows_the_chain_and_says_how_to_get_a_pack_while_none_exists()
    {
        var page = await SignedInPageAsync("dora");
        await page.ClickAsync("#nav a[data-page=audit]");
        await Assertions.Expect(page.Locator("#audit-chain")).ToContainTextAsync("chain intact");
        await Assertions.Expect(page.Locator("#audit-no-pack")).ToContainTextAsync("nightly job");
        await Assertions.Expect(page.Locator("#audit-no-pack")).ToContainTextAsync("sudo");
        Assert.Equal("/api/audit/evidence", await page.Locator("#audit-evidence").GetAttributeAsync("href"));
        var evidence = await page.APIRequest.GetAsync("/api/audit/evidence");
        Assert.Equal(200, evidence.Status);
        Assert.Equal("appliance.agent-evidence/1", (await evidence.JsonAsync())!.Value.GetProperty("schema").GetString());
        await ShotAsync(page, "6-dpo-audit-no-pack");
    }

    [Fact]
    public async Task An_employee_gets_no_admin_or_privacy_pages()
    {
        var page = await SignedInPageAsync("emil");
        Assert.Equal(["Ask", "Documents"], await page.Locator("#nav a").AllInnerTextsAsync());
        await page.GotoAsync("/#admin");
        await Assertions.Expect(page.Locator("#page-ask")).ToBeVisibleAsync();
    }
}
