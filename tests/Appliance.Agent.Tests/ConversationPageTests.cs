using System.Net.Http.Json;
using System.Text.Json;
using Appliance.Agent.Answers;
using Appliance.Testing;
using Microsoft.Playwright;

namespace Appliance.Agent.Tests;

/// <summary>
/// The page employees live in, in Debian's Chromium: conversations with follow-ups, history that
/// survives a reload, Stop that ends generation on the box, answers rendered from Markdown into DOM
/// nodes, citations of every format opened at their span, German, and no sideways scrolling at 360 px.
/// </summary>
[Collection("agent")]
public sealed class ConversationPageTests(AgentFixture fixture, Browser browser) : IClassFixture<Browser>
{
    private readonly RunningAgent _agent = fixture.Agent;

    private static async Task AskAsync(IPage page, string question)
    {
        var before = await page.Locator("#turns .turn").CountAsync();
        await page.FillAsync("#question", question);
        await page.ClickAsync("#ask-button");
        await Assertions.Expect(page.Locator("#turns .turn")).ToHaveCountAsync(before + 1);
        await Assertions.Expect(page.Locator("#turns .turn").Last.Locator(".actions")).ToBeVisibleAsync(new() { Timeout = 60_000 });
    }

    [Fact]
    public async Task A_three_turn_conversation_with_follow_ups_survives_a_reload_reopens_from_history_and_is_deleted()
    {
        var page = await browser.SignedInAsync(_agent, "emil");
        await Browser.CapAnswersAsync(page, 4);
        await AskAsync(page, "How many vacation days do I have?");
        await AskAsync(page, "And can I carry them over?");
        await AskAsync(page, "Who approves that?");
        var turns = page.Locator("#turns .turn");
        await Assertions.Expect(turns.Nth(1).Locator(".searched")).ToContainTextAsync("vacation");
        await Assertions.Expect(turns.Nth(2).Locator(".searched")).ToContainTextAsync("carry");
        await Assertions.Expect(turns.Nth(0).Locator(".regenerate")).ToHaveCountAsync(0);
        await Assertions.Expect(turns.Nth(2).Locator(".regenerate")).ToHaveCountAsync(1);

        // Screen readers hear whole sentences, not tokens; the conversation can be exported for the file note.
        await Assertions.Expect(page.Locator("#announcer")).Not.ToBeEmptyAsync();
        await Assertions.Expect(page.Locator("#export-pdf")).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("/export\\?lang=en&format=pdf$"));
        var exported = await page.APIRequest.GetAsync((await page.Locator("#export-markdown").GetAttributeAsync("href"))!);
        Assert.Contains("> Who approves that?", await exported.TextAsync());

        // Copy puts the answer with its sources on the clipboard; thumbs are stored.
        await turns.Nth(2).Locator(".copy").ClickAsync();
        var copied = await page.EvaluateAsync<string>("() => navigator.clipboard.readText()");
        Assert.Contains("Sources:", copied);
        Assert.Contains("[1] ", copied);
        await turns.Nth(2).Locator(".thumb-down").ClickAsync();
        await turns.Nth(2).Locator(".feedback-comment").FillAsync("not about carry-over");
        await turns.Nth(2).Locator(".feedback-form button[type=submit]").ClickAsync();
        await Assertions.Expect(turns.Nth(2).Locator(".thumb-down")).ToHaveAttributeAsync("aria-pressed", "true");
        await Browser.ShotAsync(page, "desktop-en-conversation");

        // Regenerate asks the last question again in place of its answer.
        await turns.Nth(2).Locator(".regenerate").ClickAsync();
        await Assertions.Expect(turns).ToHaveCountAsync(3);
        await Assertions.Expect(turns.Nth(2).Locator(".actions")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(turns.Nth(2).Locator(".question")).ToHaveTextAsync("Who approves that?");
        await turns.Nth(2).Locator(".thumb-down").ClickAsync();
        await turns.Nth(2).Locator(".feedback-comment").FillAsync("still not about carry-over");
        await turns.Nth(2).Locator(".feedback-form button[type=submit]").ClickAsync();
        await Assertions.Expect(turns.Nth(2).Locator(".feedback-form")).ToHaveCountAsync(0);

        // A reload comes back to the same conversation; the sidebar lists it under its first question.
        await page.ReloadAsync();
        await Assertions.Expect(turns).ToHaveCountAsync(3);
        await Assertions.Expect(turns.Nth(2).Locator(".thumb-down")).ToHaveAttributeAsync("aria-pressed", "true");
        var item = page.Locator("#conversations li", new() { HasText = "How many vacation days do I have?" });
        await Assertions.Expect(item).ToHaveClassAsync("current");

        await page.ClickAsync("#new-conversation");
        await Assertions.Expect(turns).ToHaveCountAsync(0);
        await page.RunAndWaitForResponseAsync(() => page.FillAsync("#history-search", "approves"), r => r.Url.EndsWith("/api/conversations?q=approves", StringComparison.Ordinal));
        await Assertions.Expect(page.Locator("#conversations li")).ToHaveCountAsync(1);
        await item.Locator(".open-conversation").ClickAsync();
        await Assertions.Expect(turns).ToHaveCountAsync(3);
        await Assertions.Expect(turns.Nth(1).Locator(".sources li").First).ToBeVisibleAsync();

        await item.Locator(".rename").ClickAsync();
        await page.Locator("#conversations li form input").FillAsync("Vacation carry-over");
        await page.Locator("#conversations li form button[type=submit]").ClickAsync();
        var renamed = page.Locator("#conversations li", new() { HasText = "Vacation carry-over" });
        await Assertions.Expect(renamed).ToBeVisibleAsync();
        await renamed.Locator(".delete").ClickAsync();
        await page.Locator("#conversations .confirm-delete").ClickAsync();
        await Assertions.Expect(turns).ToHaveCountAsync(0);
        await page.RunAndWaitForResponseAsync(() => page.FillAsync("#history-search", ""), r => r.Url.EndsWith("/api/conversations", StringComparison.Ordinal));
        await Assertions.Expect(page.Locator("#conversations li", new() { HasText = "Vacation carry-over" })).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Stop_ends_the_generation_on_the_box_and_the_conversation_keeps_what_was_written()
    {
        var stats = _agent.App.Services.GetRequiredService<ServedModels>().Stats!;
        var page = await browser.SignedInAsync(_agent, "emil");
        await Browser.CapAnswersAsync(page, 1000);
        // The generated model has random weights: now and then it ends its answer at once, before Stop
        // can be pressed. Then the scenario starts over in a new conversation.
        for (var attempt = 1; ; attempt++)
        {
            await page.ClickAsync("#new-conversation");
            await page.FillAsync("#question", "Where do I park?");
            await page.ClickAsync("#ask-button");
            var turn = page.Locator("#turns .turn").Last;
            await Assertions.Expect(turn.Locator(".answer-text")).Not.ToBeEmptyAsync(new() { Timeout = 60_000 });
            var generating = stats().ActiveSequences == 1;
            // Pressed like a person would, but without waiting for the button: it is gone once an answer ends.
            await page.EvaluateAsync("() => document.getElementById('stop-button').click()");
            await Assertions.Expect(turn.Locator(".actions")).ToBeVisibleAsync(new() { Timeout = 60_000 });
            var stopped = (await turn.GetAttributeAsync("class"))!.Contains("stopped", StringComparison.Ordinal);
            if (!(generating && stopped) && attempt < 5) continue;
            Assert.True(generating && stopped, "the answer never lasted long enough to be stopped in 5 attempts");

            await Waiting.Eventually(() => stats().ActiveSequences == 0, TimeSpan.FromSeconds(10), "generation ended on the box after Stop");
            await Assertions.Expect(turn.Locator(".answer-meta")).ToHaveTextAsync("Stopped: the answer ends where you pressed Stop.");
            await Assertions.Expect(page.Locator("#stop-button")).ToBeHiddenAsync();
            var id = (await page.EvaluateAsync<string>("() => location.hash")).Split('/')[1];
            using var emil = _agent.As("emil");
            var stored = default(JsonElement);
            await Waiting.Eventually(async () =>
            {
                var turns = (await emil.GetFromJsonAsync<JsonElement>($"/api/conversations/{id}")).GetProperty("turns");
                if (turns.GetArrayLength() == 1) stored = turns[0];
                return turns.GetArrayLength() == 1;
            }, TimeSpan.FromSeconds(10), "the stopped turn is stored");
            Assert.Equal("stopped", stored.GetProperty("outcome").GetString());
            Assert.NotEqual("", stored.GetProperty("answer").GetString());
            break;
        }
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_conversation_scoped_to_one_collection_searches_only_it_and_remembers_the_scope()
    {
        var page = await browser.SignedInAsync(_agent, "lars");
        await Browser.CapAnswersAsync(page, 4);
        await page.ClickAsync("#scope summary");
        await page.Locator(".scope-choice[value=handbook]").UncheckAsync();
        await Assertions.Expect(page.Locator("#scope-summary")).ToHaveTextAsync("1 of 2 collections");
        await AskAsync(page, "What about escrow, vacation days and parking?");
        var paths = await page.Locator("#turns .turn .sources li").AllInnerTextsAsync();
        Assert.NotEmpty(paths);
        Assert.All(paths, p => Assert.DoesNotContain(new[] { "holidays.md", "building.md", "it.txt" }, handbook => p.Contains(handbook, StringComparison.Ordinal)));

        var id = (await page.EvaluateAsync<string>("() => location.hash")).Split('/')[1];
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#scope-summary")).ToHaveTextAsync("1 of 2 collections");
        using var lars = _agent.As("lars");
        var summary = (await lars.GetFromJsonAsync<JsonElement>($"/api/conversations/{id}")).GetProperty("summary");
        Assert.Equal(["clients"], summary.GetProperty("collections").EnumerateArray().Select(c => c.GetString()));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_file_attached_on_the_page_is_cited_in_the_answer_and_opens_at_the_cited_passage()
    {
        var page = await browser.SignedInAsync(_agent, "emil");
        await Browser.CapAnswersAsync(page, 4);
        await page.SetInputFilesAsync("#attach-file", new FilePayload
        {
            Name = "kilimanjaro-lease.txt", MimeType = "text/plain",
            Buffer = "Lease note: the Kilimanjaro office lease ends on 30 June; notice is due three months before."u8.ToArray(),
        });
        await Assertions.Expect(page.Locator("#attach-status")).ToContainTextAsync("Attached: kilimanjaro-lease.txt");
        await Assertions.Expect(page.Locator("#attachments li")).ToHaveTextAsync("kilimanjaro-lease.txt");
        await AskAsync(page, "When does the Kilimanjaro lease end?");
        var source = page.Locator("#turns .turn .sources li").First;
        await Assertions.Expect(source).ToContainTextAsync("attachments/kilimanjaro-lease.txt");
        await Assertions.Expect(page.Locator("#conversations li.current")).ToContainTextAsync("When does the Kilimanjaro lease end?");
        await Browser.ShotAsync(page, "desktop-en-attachment");
        await source.Locator("a.source-link").ClickAsync();
        await Assertions.Expect(page.Locator("#viewer-mark")).ToContainTextAsync("Kilimanjaro office lease ends on 30 June");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Markdown_becomes_headings_lists_tables_code_and_citation_links_and_markup_stays_text()
    {
        var page = await browser.SignedInAsync(_agent, "emil");
        const string answer = """
            ## Leave rules

            Every employee has **30 days** per year [1] and *may* carry 5 over [2].

            - requests go to the office manager
            - two weeks ahead, see `HR-7`
              1. nested step

            | Kind | Days |
            | --- | ---: |
            | Vacation | 30 |
            | <img src=x onerror="window.owned=1"> | 0 |

            ```
            <script>window.owned = 2</script>
            ```
            """;
        var shape = await page.EvaluateAsync<JsonElement>("""
            (text) => {
              const citations = new Map([[1, { number: 1, title: 'Holidays', path: 'holidays.md', link: '/#view/d1/0/10' }]]);
              const box = document.createElement('div');
              box.className = 'answer-text';
              box.append(markdown(text, citations));
              document.getElementById('turns').append(box);
              return {
                heading: box.querySelector('h4')?.textContent,
                strong: box.querySelector('p strong')?.textContent,
                em: box.querySelector('p em')?.textContent,
                items: [...box.querySelectorAll('ul > li')].length,
                nested: box.querySelector('ul ol li')?.textContent,
                code: box.querySelector('li code')?.textContent,
                headers: [...box.querySelectorAll('table thead th')].map((th) => th.textContent),
                cells: [...box.querySelectorAll('table tbody td')].map((td) => td.textContent),
                pre: box.querySelector('pre code')?.textContent,
                marker: box.querySelector('a.marker')?.getAttribute('href'),
                unresolved: box.querySelector('p').textContent.includes('[2]'),
                images: box.querySelectorAll('img').length,
                scripts: box.querySelectorAll('script').length,
                owned: window.owned === undefined,
              };
            }
            """, answer);
        Assert.Equal("Leave rules", shape.GetProperty("heading").GetString());
        Assert.Equal("30 days", shape.GetProperty("strong").GetString());
        Assert.Equal("may", shape.GetProperty("em").GetString());
        Assert.Equal(2, shape.GetProperty("items").GetInt32());
        Assert.Equal("nested step", shape.GetProperty("nested").GetString());
        Assert.Equal("HR-7", shape.GetProperty("code").GetString());
        Assert.Equal(["Kind", "Days"], shape.GetProperty("headers").EnumerateArray().Select(h => h.GetString()));
        Assert.Equal(["Vacation", "30", "<img src=x onerror=\"window.owned=1\">", "0"], shape.GetProperty("cells").EnumerateArray().Select(h => h.GetString()));
        Assert.Equal("<script>window.owned = 2</script>", shape.GetProperty("pre").GetString());
        Assert.Equal("/#view/d1/0/10", shape.GetProperty("marker").GetString());
        Assert.True(shape.GetProperty("unresolved").GetBoolean());
        Assert.Equal(0, shape.GetProperty("images").GetInt32());
        Assert.Equal(0, shape.GetProperty("scripts").GetInt32());
        Assert.True(shape.GetProperty("owned").GetBoolean());
        await Browser.ShotAsync(page, "desktop-en-markdown");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_citation_of_every_format_opens_in_the_viewer_highlighting_exactly_the_cited_passage()
    {
        using var lars = _agent.As("lars");
        var samples = Path.Combine(TestOffice.RepoRoot, ".cache", "sample-office", "handbook");
        var files = new[] { "data-protection.docx", "onboarding.pptx", "expense-rates.xlsx", "expenses.html", "leave-policy.md", "office-contacts.txt", "office-closures.csv" };
        var cited = new List<(string File, string Link, string Passage)>();
        foreach (var file in files)
        {
            using var uploaded = await lars.PostAsync($"/api/documents?collection=clients&name=viewer-{file}", new ByteArrayContent(await File.ReadAllBytesAsync(Path.Combine(samples, file))));
            Assert.True(uploaded.IsSuccessStatusCode, $"{file}: {(int)uploaded.StatusCode} {await uploaded.Content.ReadAsStringAsync()}");
            var document = (await uploaded.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            var text = await lars.GetFromJsonAsync<JsonElement>($"/api/documents/{document}/text");
            var passage = text.GetProperty("passages").EnumerateArray().Last();
            // Words from the middle of the document's last passage find it again.
            var words = text.GetProperty("text").GetString()![passage.GetProperty("start_char").GetInt32()..passage.GetProperty("end_char").GetInt32()]
                .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Where(w => w.Length > 4).Take(6);
            var hits = await (await lars.PostAsJsonAsync("/api/search", new { query = string.Join(' ', words), k = 20, collections = new[] { "clients" } }))
                .Content.ReadFromJsonAsync<JsonElement>();
            var hit = hits.EnumerateArray().First(h => h.GetProperty("citation").GetProperty("document_id").GetString() == document);
            var citation = hit.GetProperty("citation");
            var (start, end) = (citation.GetProperty("start_char").GetInt32(), citation.GetProperty("end_char").GetInt32());
            Assert.Equal(hit.GetProperty("text").GetString(), text.GetProperty("text").GetString()![start..end]);
            cited.Add((file, citation.GetProperty("link").GetString()!, hit.GetProperty("text").GetString()!));
        }

        var page = await browser.SignedInAsync(_agent, "lars");
        foreach (var (file, link, passage) in cited)
        {
            await page.EvaluateAsync("(link) => { location.href = link; }", link);
            await Assertions.Expect(page.Locator("#viewer-title")).Not.ToBeEmptyAsync();
            await Assertions.Expect(page.Locator("#viewer-where")).ToContainTextAsync("viewer-" + file);
            Assert.Equal(Normalized(passage), Normalized(await page.Locator("#viewer-mark").TextContentAsync() ?? ""));
            await Assertions.Expect(page.Locator("#viewer-mark")).ToBeInViewportAsync();
            if (file.EndsWith(".html", StringComparison.Ordinal))
            {
                Assert.DoesNotContain("<", await page.Locator("#viewer-text").TextContentAsync());
                await Browser.ShotAsync(page, "desktop-en-viewer-html");
            }
        }
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task In_German_at_360_px_no_page_scrolls_sideways_and_dates_and_words_are_German()
    {
        // The sign-in page first, then every page an admin sees, then the DPO's.
        var context = await browser.Chromium.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = _agent.BaseAddress.ToString(), ViewportSize = new() { Width = 360, Height = 780 }, Locale = "de-CH",
        });
        var signIn = await context.NewPageAsync();
        await signIn.GotoAsync("/");
        await Assertions.Expect(signIn.Locator("#sign-in-form h1")).ToHaveTextAsync("Anmelden");
        Assert.Equal(0, await Browser.OverflowAsync(signIn));
        await Browser.ShotAsync(signIn, "phone-de-sign-in");
        await context.CloseAsync();

        var overflow = new List<string>();
        var anna = await browser.SignedInAsync(_agent, "anna", width: 360, locale: "de-CH");
        await Browser.CapAnswersAsync(anna, 4);
        Assert.Equal(["Fragen", "Dokumente", "Aufträge", "Benutzer & Tokens", "Indexierung"], await anna.Locator("#nav a").AllInnerTextsAsync());
        await AskAsync(anna, "Wie viele Urlaubstage habe ich (vacation days)?");
        await Assertions.Expect(anna.Locator("#turns .turn .answer-meta")).ToContainTextAsync("TESTMODELL");
        // A wide Markdown table in an answer scrolls inside its own box.
        await anna.EvaluateAsync("""
            () => document.querySelector('#turns .turn .answer-text').append(markdown(
              '| Sammlung | Beschreibung | Aufbewahrung | Verantwortlich | Bemerkung |\n| --- | --- | --- | --- | --- |\n' +
              '| Personalakten | Arbeitsverträge, Zeugnisse und Beurteilungen | zehn Jahre nach Austritt | Büroleitung | Zugriff nur HR |', new Map()))
            """);
        await Check(anna, "ask");
        await anna.ClickAsync("#menu");
        await Assertions.Expect(anna.Locator("#sidebar")).ToBeVisibleAsync();
        await Check(anna, "ask-history");
        await anna.Locator("#turns .turn .sources a.source-link").First.ClickAsync();
        await Assertions.Expect(anna.Locator("#viewer-mark")).ToBeVisibleAsync();
        await Check(anna, "viewer");
        await anna.EvaluateAsync("() => location.hash = '#documents'");
        await Assertions.Expect(anna.Locator("#documents tr").First).ToContainTextAsync("Bereit");
        Assert.Matches(@"\d{1,2}\.\d{1,2}\.\d{4}|\d{1,2}\. \p{L}+\.? \d{4}", await anna.Locator("#documents tr").First.Locator("td").Nth(5).InnerTextAsync());
        await Check(anna, "documents");
        await anna.EvaluateAsync("() => location.hash = '#jobs'");
        await Assertions.Expect(anna.Locator("#jobs-none")).ToHaveTextAsync("Noch keine Aufträge.");
        await Check(anna, "jobs");
        await anna.EvaluateAsync("() => location.hash = '#admin'");
        await Assertions.Expect(anna.Locator("#users")).ToContainTextAsync("Dora DPO");
        await Check(anna, "admin");
        await anna.EvaluateAsync("() => location.hash = '#indexing'");
        await Assertions.Expect(anna.Locator("#indexing-collections")).ToContainTextAsync("Client matters");
        await Assertions.Expect(anna.Locator("#indexing-automatic")).ToContainTextAsync("Ordner werden beobachtet");
        await Check(anna, "indexing");
        await anna.Context.CloseAsync();

        var dora = await browser.SignedInAsync(_agent, "dora", width: 360, locale: "de-CH");
        await dora.EvaluateAsync("() => location.hash = '#dpo'");
        await Assertions.Expect(dora.Locator("#chain")).ToContainTextAsync("Kette intakt");
        await Check(dora, "privacy-log");
        await dora.EvaluateAsync("() => location.hash = '#audit'");
        await Assertions.Expect(dora.Locator("#audit-chain")).ToContainTextAsync("intakt");
        await Check(dora, "audit");
        await dora.Context.CloseAsync();
        Assert.Empty(overflow);

        async Task Check(IPage page, string name)
        {
            await Browser.ShotAsync(page, "phone-de-" + name);
            if (await Browser.OverflowAsync(page) is > 0 and var by) overflow.Add($"{name}: {by} px wider than the window");
        }
    }

    [Fact]
    public async Task The_language_choice_is_remembered_for_the_person_on_the_box_and_German_desktop_and_English_phone_look_right()
    {
        var page = await browser.SignedInAsync(_agent, "emil", locale: "en-GB");
        await page.RunAndWaitForResponseAsync(() => page.SelectOptionAsync("#language", "de"), r => IsLanguageSaved(r, "de"));
        await Assertions.Expect(page.Locator("#ask-button")).ToHaveTextAsync("Fragen");
        await Assertions.Expect(page.Locator("#nav a").First).ToHaveTextAsync("Fragen");
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#sign-out")).ToHaveTextAsync("Abmelden");
        await Browser.CapAnswersAsync(page, 4);
        await AskAsync(page, "Wo kann ich parken (parking)?");
        await Browser.ShotAsync(page, "desktop-de-ask");
        // The choice is the person's, not the browser's: another computer (a fresh context) opens in German too.
        var elsewhere = await browser.SignedInAsync(_agent, "emil", locale: "en-GB");
        await Assertions.Expect(elsewhere.Locator("#ask-button")).ToHaveTextAsync("Fragen");
        await elsewhere.Context.CloseAsync();
        await page.SelectOptionAsync("#language", "fr");
        await Assertions.Expect(page.Locator("#new-conversation")).ToHaveTextAsync("Nouvelle conversation");
        await page.SelectOptionAsync("#language", "it");
        await Assertions.Expect(page.Locator("#new-conversation")).ToHaveTextAsync("Nuova conversazione");
        await page.RunAndWaitForResponseAsync(() => page.SelectOptionAsync("#language", "en"), r => IsLanguageSaved(r, "en"));
        await page.Context.CloseAsync();

        var phone = await browser.SignedInAsync(_agent, "emil", width: 390, locale: "en-GB");
        await Assertions.Expect(phone.Locator("#ask-button")).ToHaveTextAsync("Ask");
        await Browser.CapAnswersAsync(phone, 4);
        await AskAsync(phone, "Where is the printer?");
        Assert.Equal(0, await Browser.OverflowAsync(phone));
        await Browser.ShotAsync(phone, "phone-en-ask");
        await phone.Context.CloseAsync();
    }

    private static bool IsLanguageSaved(IResponse response, string language) =>
        response.Url.EndsWith("/api/session/language", StringComparison.Ordinal) && response.Request.PostData == $"{{\"language\":\"{language}\"}}";

    private static string Normalized(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
