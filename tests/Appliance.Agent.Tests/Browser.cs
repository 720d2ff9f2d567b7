using Microsoft.Playwright;

namespace Appliance.Agent.Tests;

/// <summary>
/// Debian's Chromium (never a downloaded browser) driven by Playwright, started once per test class;
/// each test opens its own context (cookies, viewport, language) on it.
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    private IPlaywright _playwright = null!;

    public IBrowser Chromium { get; private set; } = null!;

    /// <summary>Where the tests put the screenshots they take (a person looks at them; CI keeps them as artifacts).</summary>
    public static string Screens { get; } = Path.Combine(TestOffice.RepoRoot, "tests", "artifacts", "screens");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Screens);
        _playwright = await Playwright.CreateAsync();
        Chromium = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        await Chromium.DisposeAsync();
        _playwright.Dispose();
    }

    /// <summary>A fresh context at this width and language, signed in as <paramref name="user"/> through the form.</summary>
    public async Task<IPage> SignedInAsync(RunningAgent agent, string user, int width = 1280, string locale = "en-GB")
    {
        var context = await Chromium.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = agent.BaseAddress.ToString(), ViewportSize = new() { Width = width, Height = 900 }, Locale = locale,
        });
        await context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await page.FillAsync("#sign-in-name", user);
        await page.FillAsync("#sign-in-password", TestOffice.Password);
        await page.ClickAsync("#sign-in-form button[type=submit]");
        await page.WaitForSelectorAsync("#nav a");
        return page;
    }

    /// <summary>The page asks for a full-length answer; on 2 shared cores a test asks the agent for <paramref name="maxTokens"/>.</summary>
    public static Task CapAnswersAsync(IPage page, int maxTokens) => page.RouteAsync("**/api/ask", route =>
    {
        var body = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, System.Text.Json.JsonElement>>(route.Request.PostData!)!;
        body["max_tokens"] = System.Text.Json.JsonSerializer.SerializeToElement(maxTokens);
        return route.ContinueAsync(new RouteContinueOptions { PostData = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(body) });
    });

    public static Task ShotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screens, name + ".png"), FullPage = true });

    /// <summary>How far the page scrolls sideways (0 when nothing is wider than the window).</summary>
    public static Task<int> OverflowAsync(IPage page) =>
        page.EvaluateAsync<int>("() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)");
}
