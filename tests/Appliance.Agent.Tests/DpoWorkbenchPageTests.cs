using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Appliance.Agent.Audit;
using Appliance.Agent.Conversations;
using Appliance.Audit.Pack;
using Appliance.Audit.Signing;
using Microsoft.Playwright;

namespace Appliance.Agent.Tests;

/// <summary>
/// One agent for the DPO's workbench, in an office whose files mention Lars Lawyer: in the handbook
/// (everyone reads it), in the personnel files (the DPO's group hr reads them) and in the client
/// matters (lawyers only, which the DPO may not read).
/// </summary>
public sealed class DpoOffice : IAsyncLifetime
{
    public TestOffice Office { get; } = TestOffice.Create();
    public RunningAgent Agent { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        File.WriteAllText(Path.Combine(Office.Folder, "docs/handbook/contacts.md"),
            "# Contacts\n\nParking badges: ask Lars Lawyer (lars.lawyer@test.example), second floor.\n");
        File.WriteAllText(Path.Combine(Office.Folder, "docs/handbook/catering.md"),
            "# Catering\n\nLarsen Catering delivers the coffee and the sandwiches on Fridays.\n");
        File.WriteAllText(Path.Combine(Office.Folder, "docs/hr/lars-appraisal.txt"),
            "Appraisal 2026 for LARS LAWYER: bonus approved, pension unchanged.\n");
        File.WriteAllText(Path.Combine(Office.Folder, "docs/clients/lars-conflict.txt"),
            "Conflict check: Lars Lawyer declared no interest in the merger.\n");
        Agent = await RunningAgent.StartAsync(Office);
    }

    public async Task DisposeAsync()
    {
        await Agent.DisposeAsync();
        Office.Dispose();
    }
}

/// <summary>
/// The DPO investigates and answers a data subject on the page, in Chromium: security events
/// filtered, paged and exported; the privacy log by collection with a signed excerpt that `audit
/// verify` checks; the access report for a person and the erasures it leads to, each recorded.
/// </summary>
public sealed class DpoWorkbenchPageTests(Browser browser, DpoOffice office) : IClassFixture<Browser>, IClassFixture<DpoOffice>
{
    private RunningAgent Agent => office.Agent;

    [Fact]
    public async Task The_DPO_sees_failed_sign_ins_lockouts_and_denials_filters_pages_past_200_and_exports_them()
    {
        using (var client = Agent.Anonymous())
            for (var i = 0; i < 3; i++)
                Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/session", new { name = "emil", password = $"guess {i}" })).StatusCode);
        using (var emil = Agent.As("emil"))
            Assert.Equal(HttpStatusCode.Forbidden, (await emil.GetAsync("/api/audit/security")).StatusCode);
        var events = Agent.App.Services.GetRequiredService<SecurityEvents>();
        for (var i = 0; i < 230; i++) await events.RecordDenialAsync("emil", "/api/documents/{id}/content", "group filter: collection hr", CancellationToken.None);

        var page = await browser.SignedInAsync(Agent, "dora");
        await page.ClickAsync("#nav a[data-page=security]");
        await page.FillAsync("#security-user", "emil");
        await page.ClickAsync("#security-filter button[type=submit]");
        // 3 wrong passwords + the lockout they caused + the refused route + 230 held back by the group filter.
        await Assertions.Expect(page.Locator("#security-count")).ToContainTextAsync("200 of 235 matching");
        await Assertions.Expect(page.Locator("#security-counts tr", new() { HasText = "failed: wrong password" })).ToContainTextAsync("3");
        await Assertions.Expect(page.Locator("#security-counts tr", new() { HasText = "group filter: collection hr" })).ToContainTextAsync("230");
        await Assertions.Expect(page.Locator("#security-counts tr", new() { HasText = "/api/audit/security" })).ToContainTextAsync("403 role does not allow it");
        await page.ClickAsync("#security-older");
        await Assertions.Expect(page.Locator("#security-count")).ToContainTextAsync("235 of 235 matching");
        await Assertions.Expect(page.Locator("#security-older")).ToBeHiddenAsync();

        await page.SelectOptionAsync("#security-kind", "lockout");
        await page.ClickAsync("#security-filter button[type=submit]");
        await Assertions.Expect(page.Locator("#security-count")).ToContainTextAsync("1 of 1 matching");
        await Assertions.Expect(page.Locator("#security-events tr")).ToContainTextAsync("account locked after repeated failures");

        await page.SelectOptionAsync("#security-kind", "failed");
        await page.ClickAsync("#security-filter button[type=submit]");
        await Assertions.Expect(page.Locator("#security-count")).ToContainTextAsync("3 of 3 matching");
        var csv = await page.APIRequest.GetAsync((await page.Locator("#security-csv").GetAttributeAsync("href"))!);
        Assert.StartsWith("text/csv", csv.Headers["content-type"]);
        var lines = (await csv.TextAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("id,time,kind,user,route,reason", lines[0]);
        Assert.Equal(3, lines.Length - 1);
        Assert.All(lines.Skip(1), l => Assert.Contains(",failed,emil,/api/session,failed: wrong password", l));
        // Box-local times with their offset, never bare UTC.
        Assert.Matches(@"^\d+,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d,", lines[1]);
        await page.Context.CloseAsync();

        var phone = await browser.SignedInAsync(Agent, "dora", width: 360, locale: "fr-CH");
        await phone.GotoAsync("/#security");
        await Assertions.Expect(phone.Locator("#security-counts")).ToContainTextAsync("connexion échouée");
        Assert.Equal(0, await Browser.OverflowAsync(phone));
        await Browser.ShotAsync(phone, "phone-fr-security-events");
        await phone.Context.CloseAsync();

        using var dora = Agent.As("dora");
        Assert.Equal(HttpStatusCode.BadRequest, (await dora.GetAsync("/api/audit/security?kind=sometimes")).StatusCode);
    }

    [Fact]
    public async Task The_DPO_filters_the_log_by_collection_and_exports_a_signed_excerpt_that_audit_verify_checks()
    {
        var log = Agent.App.Services.GetRequiredService<QueryLog>();
        using var dora = Agent.As("dora");
        var documents = (await dora.GetFromJsonAsync<JsonElement>("/api/documents")).EnumerateArray().ToList();
        string Id(string path) => documents.First(d => d.GetProperty("path").GetString() == path).GetProperty("id").GetString()!;
        for (var i = 0; i < 12; i++)
            await log.AppendAsync(new QueryRecord("anna", "/api/search", $"collection question {i}", [Id(i % 3 == 0 ? "salaries.md" : "holidays.md")], 3, 0,
                TimeSpan.FromMilliseconds(5), 200), CancellationToken.None);

        var page = await browser.SignedInAsync(Agent, "dora");
        await page.ClickAsync("#nav a[data-page=dpo]");
        await page.FillAsync("#log-user", "anna");
        await page.SelectOptionAsync("#log-collection", "hr");
        await page.ClickAsync("#log-filter button[type=submit]");
        await Assertions.Expect(page.Locator("#log-count")).ToContainTextAsync("4 of 4 matching");
        Assert.All(await page.Locator("#log tr").AllInnerTextsAsync(), r => Assert.Contains("salaries.md", r));

        // Before the nightly job has certified the agent's key, the page says why instead of offering a file.
        await page.ClickAsync("#log-excerpt");
        await Assertions.Expect(page.Locator("#log-excerpt-error")).ToContainTextAsync("nightly");

        // What the nightly job (root) does with the audit key the agent cannot read.
        var auditKey = AuditKey.Create();
        var signer = Agent.App.Services.GetRequiredService<ExcerptSigner>();
        Directory.CreateDirectory(Path.GetDirectoryName(signer.CertificateFile)!);
        await File.WriteAllBytesAsync(signer.CertificateFile, ExcerptKeyCertificate.Issue(auditKey, signer.PublicKey).ToJson());

        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#log-excerpt"));
        var file = Path.Combine(office.Office.Folder, download.SuggestedFilename);
        await download.SaveAsAsync(file);
        Assert.StartsWith("query-log-excerpt-", download.SuggestedFilename);
        await page.Context.CloseAsync();

        var verdict = AuditPackVerifier.Verify(file, auditKey.Public);
        Assert.True(verdict.Ok, string.Join("\n", verdict.Failures.Select(f => $"{f.Subject}: {f.Detail}")));
        Assert.Contains(verdict.Findings, f => f.Subject == "entries.jsonl (chain)" && f.Detail.StartsWith("4 entries hash correctly"));
        using (var zip = ZipFile.OpenRead(file))
        {
            using var reader = new StreamReader(zip.GetEntry(LogExcerpt.ReadableName)!.Open());
            var rows = (await reader.ReadToEndAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(5, rows.Length);
            Assert.All(rows.Skip(1), r => Assert.Contains("hr/salaries.md", r));
        }

        // Another box's audit key, or an edited entry, does not verify.
        Assert.False(AuditPackVerifier.Verify(file, AuditKey.Create().Public).Ok);
        var edited = Path.Combine(office.Office.Folder, "edited.zip");
        File.Copy(file, edited);
        using (var zip = ZipFile.Open(edited, ZipArchiveMode.Update))
        {
            var entry = zip.GetEntry(LogExcerpt.EntriesName)!;
            string text;
            using (var reader = new StreamReader(entry.Open())) text = await reader.ReadToEndAsync();
            entry.Delete();
            using var writer = new StreamWriter(zip.CreateEntry(LogExcerpt.EntriesName).Open());
            await writer.WriteAsync(text.Replace("\\u0022anna\\u0022", "\\u0022emil\\u0022").Replace("\\\"anna\\\"", "\\\"emil\\\""));
        }
        var tampered = AuditPackVerifier.Verify(edited, auditKey.Public);
        Assert.False(tampered.Ok);
        Assert.Contains(tampered.Failures, f => f.Subject == LogExcerpt.EntriesName);

        Assert.Equal(HttpStatusCode.BadRequest, (await dora.GetAsync("/api/audit/log?collection=no-such-collection")).StatusCode);
    }

    [Fact]
    public async Task The_DPO_answers_an_access_request_for_a_person_and_erases_their_documents_conversations_and_account()
    {
        var log = Agent.App.Services.GetRequiredService<QueryLog>();
        await log.AppendAsync(new QueryRecord("lars", "/api/ask", "where do I leave my bicycle?", [], 8, 20, TimeSpan.FromMilliseconds(40), 200),
            CancellationToken.None);
        var conversations = Agent.App.Services.GetRequiredService<ConversationStore>();
        var conversation = await conversations.CreateAsync("lars", "Bicycle parking", null, CancellationToken.None);
        await conversations.AppendAsync("lars", conversation.Id, new NewTurn("Where is the bicycle room?", "Where is the bicycle room?", "(test model text)",
            [], [], "notice", true, false, TurnOutcome.Answered), CancellationToken.None);
        using (var lars = Agent.As("lars"))
        using (var attached = await lars.PostAsync($"/api/conversations/{conversation.Id}/attachments?name=bike-permit.txt",
                   new StringContent("Bicycle permit for Lars Lawyer, space 12.")))
            Assert.Equal(HttpStatusCode.Created, attached.StatusCode);

        var page = await browser.SignedInAsync(Agent, "dora");
        await page.ClickAsync("#nav a[data-page=requests]");
        await page.FillAsync("#request-account", "lars");
        await page.FillAsync("#request-variants", "Lars Lawyer\nlars.lawyer@test.example\nLars");
        await page.ClickAsync("#request-form button[type=submit]");
        await Assertions.Expect(page.Locator("#request-account-facts")).ToContainTextAsync("Lars Lawyer (lars)");
        await Assertions.Expect(page.Locator("#request-account-facts")).ToContainTextAsync("lawyers");
        await Assertions.Expect(page.Locator("#request-tokens tr")).ToContainTextAsync("tests");
        await Assertions.Expect(page.Locator("#request-queries")).ToContainTextAsync("where do I leave my bicycle?");
        await Assertions.Expect(page.Locator("#request-conversations")).ToContainTextAsync("Where is the bicycle room?");
        await Assertions.Expect(page.Locator(".request-attachment")).ToContainTextAsync("bike-permit.txt");
        var contacts = page.Locator(".request-document", new() { HasText = "contacts.md" });
        await Assertions.Expect(contacts).ToContainTextAsync("Lars Lawyer (lars.lawyer@test.example)");
        // One passage, every variant it holds; "Larsen" is not "Lars".
        await Assertions.Expect(contacts.Locator(".mentions li")).ToContainTextAsync("(Lars Lawyer, lars.lawyer@test.example, Lars)");
        await Assertions.Expect(contacts).ToContainTextAsync(Path.Combine(office.Office.Folder, "docs", "handbook", "contacts.md"));
        await Assertions.Expect(page.Locator(".request-document", new() { HasText = "lars-appraisal.txt" })).ToContainTextAsync("LARS LAWYER");
        // Lawyers' files are not searched for the DPO, and the report says so.
        await Assertions.Expect(page.Locator(".not-searched")).ToContainTextAsync("Client matters");
        Assert.Equal(0, await page.Locator(".request-document", new() { HasText = "lars-conflict.txt" }).CountAsync());
        Assert.Equal(2, await page.Locator(".request-document").CountAsync());
        Assert.Equal(0, await page.Locator(".request-document", new() { HasText = "catering.md" }).CountAsync());
        await Browser.ShotAsync(page, "desktop-en-access-report");

        var json = await page.APIRequest.GetAsync((await page.Locator("#request-json").GetAttributeAsync("href"))!);
        var report = JsonDocument.Parse(await json.TextAsync()).RootElement;
        Assert.Equal("lars", report.GetProperty("account").GetProperty("name").GetString());
        Assert.Equal(2, report.GetProperty("documents").EnumerateArray().Sum(c => c.GetProperty("documents").GetArrayLength()));
        var pdf = await page.APIRequest.GetAsync((await page.Locator("#request-pdf").GetAttributeAsync("href"))!);
        Assert.Equal("application/pdf", pdf.Headers["content-type"]);
        var pdfBytes = await pdf.BodyAsync();
        Assert.StartsWith("%PDF", System.Text.Encoding.ASCII.GetString(pdfBytes[..4]));
        await File.WriteAllBytesAsync(Path.Combine(Browser.Screens, "access-report-en.pdf"), pdfBytes);

        // Running it is recorded — who, for whom — and nothing it found.
        using var dora = Agent.As("dora");
        var recorded = await dora.GetFromJsonAsync<JsonElement>("/api/audit/security?kind=access_report");
        var runs = recorded.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(3, runs.Count);
        Assert.All(runs, r => Assert.Equal("dora", r.GetProperty("user").GetString()));
        Assert.All(runs, r => Assert.Equal("access report for account lars; \"Lars Lawyer\"; \"lars.lawyer@test.example\"; \"Lars\"", r.GetProperty("reason").GetString()));

        await page.CheckAsync(".request-document:has-text('contacts.md') input.request-pick");
        await page.FillAsync("#request-documents-reason", "Art. 17 request of Lars Lawyer, ticket 88");
        await page.ClickAsync("#request-erase-documents button[type=submit]");
        await Assertions.Expect(page.Locator("#request-documents-result")).ToContainTextAsync("1 document(s) erased");
        await Assertions.Expect(page.Locator("#request-documents-result .source-files"))
            .ToContainTextAsync(Path.Combine(office.Office.Folder, "docs", "handbook", "contacts.md"));
        await Assertions.Expect(page.Locator(".request-document")).ToHaveCountAsync(1);

        await page.FillAsync("#request-conversations-reason", "Art. 17 request of Lars Lawyer, ticket 88");
        await page.ClickAsync("#request-erase-conversations button[type=submit]");
        await Assertions.Expect(page.Locator("#request-conversations-result")).ToContainTextAsync("1 conversation(s) and 1 attachment(s) erased");
        await Assertions.Expect(page.Locator("#request-conversations")).ToContainTextAsync("None.");

        var (larsInBrowser, _) = await Agent.SignInAsync("lars");
        Assert.Equal(HttpStatusCode.OK, (await larsInBrowser.GetAsync("/api/status")).StatusCode);
        await page.FillAsync("#request-account-reason", "Art. 17 request of Lars Lawyer, ticket 88");
        await page.ClickAsync("#request-erase-account button[type=submit]");
        await Assertions.Expect(page.Locator("#request-account-result")).ToContainTextAsync("account erased (1 token(s))");
        await Assertions.Expect(page.Locator("#request-account-result")).ToContainTextAsync("appliance.yaml");
        // Neither his token nor a session he had open still works.
        using (var lars = Agent.As("lars"))
            Assert.Equal(HttpStatusCode.Unauthorized, (await lars.GetAsync("/api/status")).StatusCode);
        using (larsInBrowser)
            Assert.Equal(HttpStatusCode.Unauthorized, (await larsInBrowser.GetAsync("/api/status")).StatusCode);

        var phone = await browser.SignedInAsync(Agent, "dora", width: 360, locale: "de-CH");
        await phone.GotoAsync("/#requests");
        await phone.FillAsync("#request-account", "lars");
        await phone.FillAsync("#request-variants", "Lars Lawyer");
        await phone.ClickAsync("#request-form button[type=submit]");
        await Assertions.Expect(phone.Locator(".request-document")).ToHaveCountAsync(1);
        await Assertions.Expect(phone.Locator(".not-searched")).ToContainTextAsync("Nicht durchsucht: Client matters");
        Assert.Equal(0, await Browser.OverflowAsync(phone));
        await Browser.ShotAsync(phone, "phone-de-access-report");
        await phone.Context.CloseAsync();

        // Each erasure is one record on the privacy log page.
        await page.ClickAsync("#nav a[data-page=dpo]");
        await Assertions.Expect(page.Locator("#erasures tr", new() { HasText = "contacts.md" })).ToContainTextAsync("ticket 88");
        var people = page.Locator("#person-erasures tr");
        await Assertions.Expect(people).ToHaveCountAsync(2);
        await Assertions.Expect(people.Nth(0)).ToContainTextAsync("account erased");
        await Assertions.Expect(people.Nth(1)).ToContainTextAsync("1 conversation(s) and 1 attachment(s) erased");
        await Assertions.Expect(people.Nth(1)).ToContainTextAsync("ticket 88");
        await Browser.ShotAsync(page, "desktop-en-erasure-records");
        await page.Context.CloseAsync();
    }
}
