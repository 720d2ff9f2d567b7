using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Appliance.Agent.Audit;
using Appliance.Audit.Evidence;
using Appliance.Exec;
using Microsoft.Playwright;

namespace Appliance.Agent.Tests;

/// <summary>
/// The whole audit path as on a box: provision a (simulated) Mac, run the agent with its data folder
/// inside it and the query log in `hashed` mode, sign in, fail to sign in, get refused and ask over
/// HTTP, then let the nightly job build the signed pack, and fetch it as the DPO — through the API
/// and the web page. The pack must count exactly what happened and contain no question anywhere.
/// </summary>
public sealed class AuditPackEndToEndTests : IAsyncLifetime
{
    private const string SandboxRoot = "mac";
    private const string BoxRoot = "/Library/Application Support/Appliance";

    // Words no document and no other part of the pack uses, so any trace of a question stands out.
    private static readonly (string User, string Route, string Text, string[]? Collections)[] Questions =
    [
        ("emil", "/api/ask", "How many vacation days does the walrus handbook promise?", null),
        ("emil", "/api/ask", "Where is the printer for the quokka team?", null),
        ("lars", "/api/search", "merger escrow arbitration for the narwhal client", ["clients"]),
        ("dora", "/api/ask", "What does the capybara kitchen rule say?", ["handbook"]),
        ("emil", "/api/ask", "What is the salary band of the axolotl manager?", ["hr"]),  // emil may not read hr: held back
    ];

    private static readonly string[] Markers = ["walrus", "quokka", "narwhal", "capybara", "axolotl"];

    private readonly TestOffice _office = TestOffice.Create(queryLog: "hashed", storageRoot: $"{SandboxRoot}{BoxRoot}");
    private RunningAgent _agent = null!;
    private string _provisionConfig = null!;

    private string Sandbox => Path.Combine(_office.Folder, SandboxRoot);

    public async Task InitializeAsync()
    {
        // provision sees the same office through macOS paths; the agent reaches the box's folders from outside.
        _provisionConfig = Path.Combine(_office.Folder, "provision.yaml");
        File.WriteAllText(_provisionConfig, File.ReadAllText(_office.ConfigFile)
            .Replace($"root: \"{SandboxRoot}{BoxRoot}\"", $"root: \"{BoxRoot}\"")
            .Replace($"models: \"{TestModels.TestModels.Folder}\"", "models: models"));
        var apply = await ProvisionAsync("apply", "-c", _provisionConfig, "--target", "sandbox:" + Sandbox, "--models-from", TestModels.TestModels.Folder, "--yes");
        Assert.True(apply.ExitCode == 0, apply.StandardOutput + apply.StandardError);
        // Apply does not install Tesseract; the admin does, as pre-flight asks, or the nightly verify fails ocr.*.
        (await new LocalCommandRunner().RunAsync(Command.Of(Path.Combine(Sandbox, ".simulated-macos", "bin", "brew"), "install", "tesseract", "tesseract-lang")))
            .EnsureSuccess();
        _agent = await RunningAgent.StartAsync(_office);
    }

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        _office.Dispose();
    }

    [Fact]
    public async Task The_nightly_pack_counts_what_happened_verifies_hides_every_question_and_reaches_the_DPO()
    {
        await SignInsAndRefusalsAsync();
        await AskAsync();

        // The DPO's live evidence is what the nightly job will pick up from the box's data folder.
        var (dora, _) = await _agent.SignInAsync("dora");
        using (var live = await dora.GetAsync("/api/audit/evidence"))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            var agentEvidence = AgentEvidence.Parse(await live.Content.ReadAsStringAsync());
            Assert.Equal("hashed", agentEvidence.QueryLogMode);
            Assert.Equal(Questions.Length, agentEvidence.QueryLog.Count);
        }
        var evidenceFile = Path.Combine(Sandbox, BoxRoot.TrimStart('/'), "data.noindex", AgentEvidence.RelativePath);
        Assert.True(File.Exists(evidenceFile));

        var nightly = await ProvisionAsync("nightly", "-c", _provisionConfig, "--target", "sandbox:" + Sandbox, "--models-from", TestModels.TestModels.Folder);
        Assert.True(nightly.ExitCode == 0, nightly.StandardOutput + nightly.StandardError);
        Assert.Contains($"usage: {Questions.Length} queries (5 answered, 0 refused), 3 sign-ins, 5 failed sign-ins, 1 lockouts, 4 access denials", nightly.StandardOutput);

        // The agent lists and serves the pack root shelved; it verifies with the key inside it.
        var list = await dora.GetFromJsonAsync<JsonElement>("/api/audit/packs");
        var listed = Assert.Single(list.EnumerateArray());
        Assert.True(listed.GetProperty("verified").GetBoolean(), listed.ToString());
        var name = listed.GetProperty("name").GetString()!;
        var zip = Path.Combine(_office.Folder, name);
        File.WriteAllBytes(zip, await dora.GetByteArrayAsync("/api/audit/packs/" + name));
        Assert.Equal(listed.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(zip))));

        AssertUsageCountsWhatHappened(zip);
        await AssertNoQuestionAnywhereAsync(zip, evidenceFile);

        var verify = await ProvisionAsync("audit", "verify", zip);
        Assert.True(verify.ExitCode == 0, verify.StandardOutput);
        Assert.Contains("raw/query-log-excerpt.jsonl (chain): 5 entries link and hash correctly", verify.StandardOutput);
        await TheNightlyJobCertifiedTheAgentsExcerptKeyAsync(dora, zip);
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Update))
        {
            archive.GetEntry("raw/usage.json")!.Delete();
            using var writer = new StreamWriter(archive.CreateEntry("raw/usage.json").Open());
            writer.Write("""{"total_queries": 0}""");
        }
        var tampered = await ProvisionAsync("audit", "verify", zip);
        Assert.Equal(1, tampered.ExitCode);
        Assert.Contains("1 check(s) FAILED: raw/usage.json", tampered.StandardOutput);

        await TheAuditPageOffersThePackAsync(name, listed.GetProperty("sha256").GetString()!);
    }

    /// <summary>The nightly job vouched for the agent's excerpt key: a signed excerpt the DPO exports verifies against the pack's audit key.</summary>
    private async Task TheNightlyJobCertifiedTheAgentsExcerptKeyAsync(HttpClient dora, string pack)
    {
        var key = Path.Combine(_office.Folder, "audit-key.pub");
        using (var archive = ZipFile.OpenRead(pack))
            archive.GetEntry("audit-key.pub")!.ExtractToFile(key);
        using var response = await dora.GetAsync("/api/audit/log.excerpt?user=emil");
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var excerpt = Path.Combine(_office.Folder, "excerpt.zip");
        File.WriteAllBytes(excerpt, await response.Content.ReadAsByteArrayAsync());
        var verify = await ProvisionAsync("audit", "verify", excerpt, "--public-key", key);
        Assert.True(verify.ExitCode == 0, verify.StandardOutput + verify.StandardError);
        Assert.Contains("entries.jsonl (chain): 3 entries hash correctly", verify.StandardOutput);
    }

    private async Task SignInsAndRefusalsAsync()
    {
        using var anonymous = _agent.Anonymous();
        // Someone types their password into the name field: an unknown name, recorded as "unknown", never as typed.
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/session", new { name = "Tr0ub4dor&3", password = "Tr0ub4dor&3" })).StatusCode);
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/session", new { name = "emil", password = $"guess {i}" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/session", new { name = "emil", password = TestOffice.Password })).StatusCode);
        await _agent.SignInAsync("lars");
        await _agent.SignInAsync("anna");

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/audit/packs")).StatusCode);
        using var employee = _agent.As("emil");
        Assert.Equal(HttpStatusCode.Forbidden, (await employee.GetAsync("/api/audit/evidence")).StatusCode);
        using var forged = _agent.Anonymous();
        forged.DefaultRequestHeaders.Authorization = new("Bearer", "apl_never-issued");
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync("/api/status")).StatusCode);
    }

    private async Task AskAsync()
    {
        foreach (var (user, route, text, collections) in Questions)
        {
            using var client = _agent.As(user);
            object body = route == "/api/ask" ? new { question = text, collections, max_tokens = 4 } : new { query = text, collections };
            using var response = await client.PostAsJsonAsync(route, body);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await response.Content.ReadAsByteArrayAsync();
        }
    }

    private static void AssertUsageCountsWhatHappened(string zip)
    {
        using var archive = ZipFile.OpenRead(zip);
        using var document = JsonDocument.Parse(archive.GetEntry("evidence.json")!.Open());
        var usage = document.RootElement.GetProperty("usage");
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd");
        var queries = usage.GetProperty("queries").EnumerateArray()
            .Select(q => (q.GetProperty("day").GetString(), q.GetProperty("collection").GetString(), q.GetProperty("role").GetString(), q.GetProperty("count").GetInt32()))
            .ToList();
        Assert.Equal(
        [
            (today, EvidenceExport.NoDocument, "employee", 1),
            (today, "clients", "employee", 1),
            (today, "handbook", "dpo+employee", 1),
            (today, "handbook", "employee", 2),
        ], queries);
        Assert.Equal(5, usage.GetProperty("total_queries").GetInt32());
        var outcomes = usage.GetProperty("outcomes").EnumerateArray().ToDictionary(o => o.GetProperty("kind").GetString()!, o => o.GetProperty("count").GetInt32());
        Assert.Equal(new Dictionary<string, int> { [QueryOutcomes.Answered] = 4, [QueryOutcomes.AnsweredFromNoDocument] = 1 }, outcomes);

        var signIns = usage.GetProperty("sign_ins").EnumerateArray().ToDictionary(s => s.GetProperty("kind").GetString()!, s => s.GetProperty("count").GetInt32());
        Assert.Equal(new Dictionary<string, int>
        {
            [SignInOutcomes.SignedIn] = 3, [SignInOutcomes.UnknownUser] = 1, [SignInOutcomes.WrongPassword] = 3,
            [SignInOutcomes.Lockout] = 1, [SignInOutcomes.Locked] = 1,
        }, signIns);
        Assert.Equal((3, 5, 1), (usage.GetProperty("logins").GetInt32(), usage.GetProperty("login_failures").GetInt32(), usage.GetProperty("lockouts").GetInt32()));

        var denials = usage.GetProperty("denials").EnumerateArray()
            .Select(d => (d.GetProperty("route").GetString(), d.GetProperty("reason").GetString(), d.GetProperty("count").GetInt32())).ToList();
        Assert.Equal(
        [
            ("/api/ask", "group filter: collection hr", 1),
            ("/api/audit/evidence", "403 role does not allow it", 1),
            ("/api/audit/packs", "401 not signed in", 1),
            ("/api/status", "401 unknown or revoked API token", 1),
        ], denials);

        var chain = usage.GetProperty("query_log_chain");
        Assert.True(chain.GetProperty("intact").GetBoolean(), chain.ToString());
        Assert.Equal(5, chain.GetProperty("entries").GetInt64());
        Assert.Equal("hashed", usage.GetProperty("question_text_mode").GetString());
        Assert.NotEqual(JsonValueKind.Null, usage.GetProperty("evidence_exported_at").ValueKind);
    }

    /// <summary>Not the question, not a word of it, not even the keyed hash the log stores: in no file of the pack, nor in the PDF's text.</summary>
    private async Task AssertNoQuestionAnywhereAsync(string zip, string evidenceFile)
    {
        var stored = (await _agent.App.Services.GetRequiredService<QueryLog>().ReadAsync(null, 100, CancellationToken.None))
            .Select(e => e.Question).OfType<string>().ToList();
        Assert.Equal(Questions.Length, stored.Count);
        Assert.All(stored, s => Assert.StartsWith("hmac-sha256:", s));
        var forbidden = Questions.Select(q => q.Text).Concat(Markers).Concat(stored).Concat(stored.Select(s => s["hmac-sha256:".Length..])).ToList();

        var security = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(evidenceFile))!, SecurityEvents.FileName);
        var securityBytes = File.ReadAllBytes(security).Concat(File.Exists(security + "-wal") ? File.ReadAllBytes(security + "-wal") : []).ToArray();
        foreach (var typed in new[] { "Tr0ub4dor", "guess 0", TestOffice.Password })
            Assert.False(Encoding.Latin1.GetString(securityBytes).Contains(typed, StringComparison.Ordinal), $"security.db holds '{typed}'");

        var texts = new Dictionary<string, string> { ["agent-evidence.json (data folder)"] = File.ReadAllText(evidenceFile) };
        using (var archive = ZipFile.OpenRead(zip))
        {
            foreach (var entry in archive.Entries)
            {
                using var stream = entry.Open();
                using var memory = new MemoryStream();
                await stream.CopyToAsync(memory);
                texts[entry.FullName] = Encoding.UTF8.GetString(memory.ToArray()) + Encoding.Latin1.GetString(memory.ToArray());
            }
            var pdf = Path.Combine(_office.Folder, "report.pdf");
            archive.GetEntry("report.pdf")!.ExtractToFile(pdf, overwrite: true);
            texts["report.pdf (pdftotext)"] = (await new LocalCommandRunner().RunAsync(Command.Of("pdftotext", pdf, "-"))).EnsureSuccess().StandardOutput;
            Assert.Contains("Usage evidence", texts["report.pdf (pdftotext)"]);
        }
        Assert.Contains("raw/query-log-excerpt.jsonl", texts.Keys);
        Assert.Contains("report.pdf", texts.Keys);
        foreach (var (file, text) in texts)
            foreach (var secret in forbidden)
                Assert.False(text.Contains(secret, StringComparison.OrdinalIgnoreCase), $"{file} contains '{secret}'");
    }

    private async Task TheAuditPageOffersThePackAsync(string name, string sha256)
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium", Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = _agent.BaseAddress.ToString(), AcceptDownloads = true, ViewportSize = new() { Width = 1200, Height = 900 } });
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        // Every failed request is an error, but for the sign-in form itself (401 until signed in) and the favicon the page has none of.
        page.Console += (_, message) => { if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal)) errors.Add(message.Text); };
        page.Response += (_, response) =>
        {
            var path = new Uri(response.Url).AbsolutePath;
            if (response.Status >= 400 && !(response.Status == 401 && path is "/" or "/api/session") && path != "/favicon.ico")
                errors.Add($"{response.Status} {path}");
        };
        await page.GotoAsync("/");
        await page.FillAsync("#sign-in-name", "dora");
        await page.FillAsync("#sign-in-password", TestOffice.Password);
        await page.ClickAsync("#sign-in-form button[type=submit]");
        await page.ClickAsync("#nav a[data-page=audit]");
        await Assertions.Expect(page.Locator("#audit-chain")).ToContainTextAsync("intact: 5 entries");
        await Assertions.Expect(page.Locator("#audit-latest")).ToContainTextAsync(name);
        await Assertions.Expect(page.Locator("#audit-latest")).ToContainTextAsync("signature and digests check out");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Browser.Screens, "desktop-en-audit-pack.png"), FullPage = true });

        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#audit-latest a.pack-link").ClickAsync());
        Assert.Equal(name, download.SuggestedFilename);
        var saved = Path.Combine(_office.Folder, "downloaded-" + name);
        await download.SaveAsAsync(saved);
        Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(saved))));
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    private static readonly string ProvisionDll = typeof(AuditPackEndToEndTests).Assembly
        .GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false).Cast<System.Reflection.AssemblyMetadataAttribute>()
        .First(a => a.Key == "ProvisionProgram").Value!;

    private static Task<CommandResult> ProvisionAsync(params string[] arguments) =>
        new LocalCommandRunner().RunAsync(Command.Of("dotnet", [ProvisionDll, .. arguments]).WithTimeout(TimeSpan.FromMinutes(4)), CancellationToken.None);
}
