using Appliance.Config;
using Appliance.Provision.Apply;
using Appliance.Provision.Preflight;

namespace Appliance.Provision.Tests;

/// <summary>
/// Tesseract on the box: apply does not install it (see ControlCatalogue.InstallTesseract); until an
/// admin has, pre-flight warns, the plan lists it as a manual change and verify fails — each saying
/// the exact command — and once installed, verify reads its version and languages at the absolute path.
/// </summary>
public sealed class OcrControlTests
{
    [Fact]
    public async Task Without_tesseract_preflight_plan_and_verify_say_how_to_install_it_and_after_brew_install_verify_passes()
    {
        using var box = new TestBox("ocr");
        var config = box.BaseConfig();
        Assert.Contains(TestBox.OcrOff, config);
        box.WriteConfig(config.Replace(TestBox.OcrOff, TestBox.OcrOn));
        var scenario = new Scenario(box, box.Target);
        // Nothing applied yet: this is about the two OCR controls, read on a stock Mac.
        string[] Ocr(Controls.VerifyReport report) => [.. Scenario.Failed(report).Where(id => id.StartsWith("ocr.", StringComparison.Ordinal)).Order()];

        await using (var session = await box.OpenAsync())
        {
            var finding = Assert.Single(await session.PreflightAsync(CancellationToken.None), f => f.Check == "Tesseract (OCR for scans)");
            Assert.Equal(Severity.Warning, finding.Severity);
            Assert.Contains($"not installed at {OcrSettings.MacTesseract}", finding.Observed);
            Assert.Contains("brew install tesseract tesseract-lang", finding.Advice);

            var plan = await session.PlanAsync(CancellationToken.None);
            var manual = plan.Changes.Where(c => c.Kind == ChangeKind.Manual && c.Resource.StartsWith("ocr.", StringComparison.Ordinal)).ToList();
            Assert.Equal(["ocr.languages", "ocr.tesseract"], manual.SelectMany(c => c.Failing).Select(f => f.Control.Id).Order());
            Assert.All(manual, c => Assert.Contains("brew install tesseract tesseract-lang", c.Advice));
        }
        var before = await scenario.VerifyAsync();
        Assert.Equal(["ocr.languages", "ocr.tesseract"], Ocr(before));
        Assert.Equal("not installed", Assert.Single(before.Results, r => r.Control.Id == "ocr.tesseract").Observed);
        Assert.Equal($"{OcrSettings.MacTesseract} --version", Assert.Single(before.Results, r => r.Control.Id == "ocr.tesseract").Control.ReadBack);

        // English alone is not enough for the German client files and the auto collections.
        (await box.MacAsync("brew", "install", "tesseract")).EnsureSuccess();
        var halfway = await scenario.VerifyAsync();
        Assert.Equal(["ocr.languages"], Ocr(halfway));
        Assert.Equal("missing deu, fra, ita", Assert.Single(halfway.Results, r => r.Control.Id == "ocr.languages").Observed);

        (await box.MacAsync("brew", "install", "tesseract-lang")).EnsureSuccess();
        var after = await scenario.VerifyAsync();
        Assert.Empty(Ocr(after));
        Assert.Equal("deu, eng, fra, ita", Assert.Single(after.Results, r => r.Control.Id == "ocr.languages").Observed);
    }
}
