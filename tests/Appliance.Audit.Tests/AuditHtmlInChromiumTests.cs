using System.IO.Compression;
using Appliance.Audit.Pack;
using Appliance.Audit.Render;
using Appliance.Audit.Signing;
using Microsoft.Playwright;

namespace Appliance.Audit.Tests;

/// <summary>The pack's index.html as an auditor opens it: in a browser, offline, with nothing fetched.</summary>
public sealed class AuditHtmlInChromiumTests
{
    [Fact]
    public async Task Index_html_opens_in_chromium_without_errors_or_requests_and_shows_every_section()
    {
        var dir = Directory.CreateTempSubdirectory("audit-html").FullName;
        var zip = Path.Combine(dir, "pack.zip");
        new AuditPackWriter(HtmlReport.FromShippedTemplates(), new PdfReport()).Write(PackInputs.Example(), AuditKey.Create(), zip);
        ZipFile.ExtractToDirectory(zip, Path.Combine(dir, "pack"));
        var index = Path.Combine(dir, "pack", "index.html");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var page = await browser.NewPageAsync();
        var problems = new List<string>();
        var requests = new List<string>();
        page.Console += (_, message) => { if (message.Type is "error" or "warning") problems.Add($"console {message.Type}: {message.Text}"); };
        page.PageError += (_, error) => problems.Add($"page error: {error}");
        page.Request += (_, request) => { if (!request.Url.StartsWith("file://", StringComparison.Ordinal)) requests.Add(request.Url); };

        await page.GotoAsync(new Uri(index).AbsoluteUri);
        Assert.Empty(problems);
        Assert.Empty(requests);
        foreach (var id in new[] { "system", "dataflow", "network", "controls", "journal", "backup", "ropa", "toms", "dpia", "aiact", "usage", "erasures", "limitations", "check" })
            Assert.True(await page.Locator($"#{id}").IsVisibleAsync(), $"section #{id} is not visible");
        Assert.True(await page.Locator("svg[aria-labelledby=dataflow-title]").IsVisibleAsync());
        Assert.Contains("Simulated macOS", await page.InnerTextAsync(".banner"));

        var artifacts = Directory.CreateDirectory(Path.Combine(PackInputs.Root, "tests", "artifacts", "audit")).FullName;
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(artifacts, "index-html.png"), FullPage = true });
        await page.Locator("#dataflow").ScrollIntoViewIfNeededAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(artifacts, "index-html-dataflow.png") });
        Directory.Delete(dir, recursive: true);
    }
}
