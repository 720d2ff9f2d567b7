using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Appliance.Agent.Tests;

/// <summary>The page in Debian's Chromium: sign-in, asking, documents, the admin's and the DPO's pages.</summary>
[Collection("agent")]
public sealed partial class WebPageTests(AgentFixture fixture, Browser browser) : IClassFixture<Browser>
{
    private readonly RunningAgent _agent = fixture.Agent;

    [Fact]
    public async Task Sign_in_ask_with_Enter_follow_a_citation_to_its_passage_upload_and_sign_out()
    {
        var context = await browser.Chromium.NewContextAsync(new BrowserNewContextOptions { BaseURL = _agent.BaseAddress.ToString(), Locale = "en-GB" });
        var page = await context.NewPageAsync();
        var first = await page.GotoAsync("/");
        Assert.Equal(401, first!.Status);
        await page.WaitForSelectorAsync("#sign-in-form");
        await Assertions.Expect(page.Locator("#sign-out")).ToBeHiddenAsync();
        await Browser.ShotAsync(page, "desktop-en-sign-in");

        await page.FillAsync("#sign-in-name", "lars");
        await page.FillAsync("#sign-in-password", "wrong password");
        await page.ClickAsync("#sign-in-form button[type=submit]");
        await Assertions.Expect(page.Locator("#sign-in-error")).ToContainTextAsync("wrong");

        await page.FillAsync("#sign-in-password", TestOffice.Password);
        await page.ClickAsync("#sign-in-form button[type=submit]");
        await Assertions.Expect(page.Locator("#who")).ToContainTextAsync("Lars Lawyer");
        await Assertions.Expect(page.Locator("#question")).ToBeFocusedAsync();
        await Assertions.Expect(page.Locator("#ai-notice")).ToContainTextAsync("AI-generated");
        await Assertions.Expect(page.Locator("#test-model-banner")).ToContainTextAsync("meaningless");

        // A blank question is refused saying so; an over-long one is refused with its length, never cut.
        await page.Keyboard.TypeAsync("   ");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#ask-error")).ToHaveTextAsync("Type a question first.");
        await page.FillAsync("#question", new string('a', 10_000));
        await Assertions.Expect(page.Locator("#question-count")).ToHaveTextAsync("10,000 / 4,000 characters");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#ask-error")).ToContainTextAsync("up to 4,000 characters; yours has 10,000");
        Assert.Equal(10_000, (await page.InputValueAsync("#question")).Length);
        await Assertions.Expect(page.Locator("#turns .turn")).ToHaveCountAsync(0);
        await page.FillAsync("#question", "");

        // Shift+Enter is a new line, Enter sends.
        await Browser.CapAnswersAsync(page, 16);
        await page.Keyboard.TypeAsync("What is kept in escrow");
        await page.Keyboard.PressAsync("Shift+Enter");
        await page.Keyboard.TypeAsync("in the merger?");
        Assert.Equal("What is kept in escrow\nin the merger?", await page.InputValueAsync("#question"));
        await page.Keyboard.PressAsync("Enter");
        var turn = page.Locator("#turns .turn").Last;
        await Assertions.Expect(turn.Locator(".answer-meta")).ToContainTextAsync("first words after", new() { Timeout = 60_000 });
        await Assertions.Expect(turn.Locator(".answer-meta")).ToContainTextAsync("meaningless");
        Assert.NotEmpty(await turn.Locator(".answer-text").InnerTextAsync());
        Assert.Equal("", await page.InputValueAsync("#question"));
        var source = turn.Locator(".sources a.source-link", new() { HasText = "Müller" }).First;
        await Assertions.Expect(source).ToHaveAttributeAsync("href", new Regex("^/#view/.+/[0-9]+/[0-9]+$"));
        await Browser.ShotAsync(page, "desktop-en-ask");

        // The citation opens on the page, the cited passage highlighted; the file itself is a download beside it.
        await source.ClickAsync();
        await Assertions.Expect(page.Locator("#viewer-mark")).ToContainTextAsync("escrow");
        await Assertions.Expect(page.Locator("#viewer-mark")).ToBeInViewportAsync();
        Assert.NotNull(await page.Locator("#viewer-download").GetAttributeAsync("download"));
        await page.ClickAsync("#viewer-back");
        await Assertions.Expect(page.Locator("#turns .turn")).ToHaveCountAsync(1);

        await page.ClickAsync("#nav a[data-page=documents]");
        await Assertions.Expect(page.Locator("#documents tr").First).ToContainTextAsync("Ready");
        await Assertions.Expect(page.Locator("#upload-limit")).ToHaveTextAsync("Files up to 1 MB.");
        Assert.DoesNotMatch(IsoTime(), await page.Locator("#documents").InnerTextAsync());
        await page.SetInputFilesAsync("#upload-file", new FilePayload { Name = "bauer-memo.txt", MimeType = "text/plain", Buffer = "Memo: the Bauer lease ends in May."u8.ToArray() });
        await page.ClickAsync("#upload-form button[type=submit]");
        await Assertions.Expect(page.Locator("#upload-result")).ToContainTextAsync("Uploaded and indexed");
        await Assertions.Expect(page.Locator("#documents")).ToContainTextAsync("uploads/bauer-memo.txt");
        await Browser.ShotAsync(page, "desktop-en-documents");

        await page.ClickAsync("#sign-out");
        await Assertions.Expect(page.Locator("#sign-in-form")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#sign-out")).ToBeHiddenAsync();
        Assert.Equal(401, (await page.APIRequest.GetAsync("/api/session")).Status);
        await context.CloseAsync();
    }

    [Fact]
    public async Task The_admin_sets_a_password_in_a_form_that_checks_the_repetition_and_copies_a_token_shown_once()
    {
        var page = await browser.SignedInAsync(_agent, "anna");
        await page.ClickAsync("#nav a[data-page=admin]");
        await Assertions.Expect(page.Locator("#users")).ToContainTextAsync("Dora DPO");
        await page.Locator("#users tr", new() { HasText = "Emil Employee" }).Locator(".set-password").ClickAsync();
        await page.FillAsync("#password-new", "a new password 1");
        await page.FillAsync("#password-confirm", "a new password 2");
        await page.ClickAsync("#password-form button[type=submit]");
        await Assertions.Expect(page.Locator("#password-result")).ToHaveTextAsync("The two passwords differ.");
        await page.FillAsync("#password-new", TestOffice.Password);
        await page.FillAsync("#password-confirm", TestOffice.Password);
        await page.ClickAsync("#password-form button[type=submit]");
        await Assertions.Expect(page.Locator("#password-result")).ToHaveTextAsync("Password set for emil.");

        await page.SelectOptionAsync("#token-user", "emil");
        await page.FillAsync("#token-name", "browser test");
        await page.ClickAsync("#token-form button[type=submit]");
        await Assertions.Expect(page.Locator("#token-secret")).ToContainTextAsync("apl_");
        await page.ClickAsync("#token-copy");
        Assert.Equal(await page.Locator("#token-secret").InnerTextAsync(), await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        var issued = page.Locator("#tokens tr", new() { HasText = "browser test" });
        await Assertions.Expect(issued).ToBeVisibleAsync();
        Assert.Matches("^[a-hjkmnp-z2-9]{10}$", await issued.Locator("code").InnerTextAsync());
        Assert.DoesNotMatch(IsoTime(), await page.Locator("#tokens").InnerTextAsync());
        await Browser.ShotAsync(page, "desktop-en-admin");
        Assert.Equal(0, await page.Locator("#nav a[data-page=dpo]").CountAsync());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_admin_sees_each_collection_indexed_and_the_files_that_could_not_be_read_with_their_reason()
    {
        // Its own office: the unreadable file must not show up in the shared agent's document lists.
        using var office = TestOffice.Create();
        var broken = Path.Combine(office.Folder, "docs/hr/indexing/unreadable-letter.pdf");
        Directory.CreateDirectory(Path.GetDirectoryName(broken)!);
        File.WriteAllText(broken, "this is not a PDF at all");
        await using var agent = await RunningAgent.StartAsync(office);
        var page = await browser.SignedInAsync(agent, "anna");
        await page.ClickAsync("#nav a[data-page=indexing]");
        await Assertions.Expect(page.Locator("#indexing-automatic")).ToContainTextAsync("folders are watched");
        var row = page.Locator("#indexing-skipped tr", new() { HasText = "indexing/unreadable-letter.pdf" });
        await Assertions.Expect(row).ToContainTextAsync("damaged PDF");
        await Assertions.Expect(row).ToContainTextAsync("Personnel files");
        var hr = page.Locator("#indexing-collections tr", new() { HasText = "Personnel files" });
        Assert.Matches(@"Personnel files\s+\d+\s+1\s", await hr.InnerTextAsync());   // searchable documents, then one unreadable

        // Sync now, after another unreadable file arrived: the page follows the run and lists it too.
        File.WriteAllText(Path.Combine(office.Folder, "docs/hr/indexing/second-letter.pdf"), "neither is this");
        await page.ClickAsync("#indexing-sync");
        await Assertions.Expect(page.Locator("#indexing-skipped tr", new() { HasText = "second-letter.pdf" })).ToBeVisibleAsync(new() { Timeout = 60_000 });
        Assert.DoesNotMatch(IsoTime(), await page.Locator("#page-indexing").InnerTextAsync());
        await Browser.ShotAsync(page, "desktop-en-indexing");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_DPO_sees_the_verified_query_log_in_local_time_and_the_audit_page()
    {
        using var lars = _agent.As("lars");
        await lars.PostAsJsonAsync("/api/search", new { query = "litigation" });
        var page = await browser.SignedInAsync(_agent, "dora");
        await page.ClickAsync("#nav a[data-page=dpo]");
        await Assertions.Expect(page.Locator("#chain")).ToContainTextAsync("Chain intact");
        await Assertions.Expect(page.Locator("#log")).ToContainTextAsync("/api/search");
        Assert.DoesNotMatch(IsoTime(), await page.Locator("#log").InnerTextAsync());
        await Browser.ShotAsync(page, "desktop-en-privacy-log");

        await page.ClickAsync("#nav a[data-page=audit]");
        await Assertions.Expect(page.Locator("#audit-chain")).ToContainTextAsync("chain intact");
        await Assertions.Expect(page.Locator("#audit-no-pack")).ToContainTextAsync("nightly job");
        Assert.Equal("/api/audit/evidence", await page.Locator("#audit-evidence").GetAttributeAsync("href"));
        var evidence = await page.APIRequest.GetAsync("/api/audit/evidence");
        Assert.Equal("appliance.agent-evidence/1", (await evidence.JsonAsync())!.Value.GetProperty("schema").GetString());
        Assert.Equal(0, await page.Locator("#nav a[data-page=admin]").CountAsync());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_employee_gets_no_admin_or_privacy_pages_and_the_page_is_installable()
    {
        var page = await browser.SignedInAsync(_agent, "emil");
        Assert.Equal(["Ask", "Documents", "Jobs"], await page.Locator("#nav a").AllInnerTextsAsync());
        await page.EvaluateAsync("() => location.hash = '#admin'");
        await Assertions.Expect(page.Locator("#page-ask")).ToBeVisibleAsync();

        var manifest = await page.APIRequest.GetAsync("/manifest.webmanifest");
        Assert.Equal(200, manifest.Status);
        var app = (await manifest.JsonAsync())!.Value;
        Assert.Equal("Test office", app.GetProperty("name").GetString());
        Assert.Equal("standalone", app.GetProperty("display").GetString());
        var icon = await page.APIRequest.GetAsync(app.GetProperty("icons")[0].GetProperty("src").GetString()!);
        Assert.Equal("image/svg+xml", icon.Headers["content-type"]);
        Assert.StartsWith("data:image/svg+xml,", await page.Locator("link[rel=icon]").GetAttributeAsync("href"));
        Assert.Equal("/manifest.webmanifest", await page.Locator("link[rel=manifest]").GetAttributeAsync("href"));
        Assert.Equal(0, await page.EvaluateAsync<int>("async () => (await navigator.serviceWorker.getRegistrations()).length"));
        await page.Context.CloseAsync();
    }

    [GeneratedRegex(@"\d{4}-\d\d-\d\dT\d\d:\d\d")]
    private static partial Regex IsoTime();
}
