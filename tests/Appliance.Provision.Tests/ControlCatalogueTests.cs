using System.Text.RegularExpressions;
using Appliance.Audit.Evidence;
using Appliance.Config;
using Appliance.Provision.Apply;
using Appliance.Provision.AuditPack;
using Appliance.Provision.Controls;
using Appliance.Provision.Desired;
using Appliance.Provision.Targets;
using Appliance.Provision.Templates;

namespace Appliance.Provision.Tests;

/// <summary>A control is one value: what verify runs is what every report shows, and every measure rests on real controls.</summary>
public sealed class ControlCatalogueTests
{
    private static DesiredState Example(string configText, string folder) =>
        DesiredState.From(ConfigLoader.LoadText(configText, "appliance.yaml", folder).Require(), configText, TemplateSet.Load(),
            Path.Combine(folder, ".cache", "models"));

    private static async Task ApplyAsync(TestBox box)
    {
        await using var session = await box.OpenAsync();
        var applied = await session.ApplyAsync(await session.PlanAsync(CancellationToken.None), null, CancellationToken.None);
        Assert.True(applied.Succeeded, applied.Journal.Error);
    }

    [Fact]
    public void Every_measure_proved_by_live_controls_links_at_least_one_control_and_every_link_names_a_measure()
    {
        using var box = new TestBox("measures");
        var controls = Example(box.BaseConfig(), box.Folder).Resources.SelectMany(r => r.Controls).ToList();
        Assert.All(Measures.All.Where(m => m.ProvedBy == MeasureProof.LiveControls),
            m => Assert.True(controls.Any(c => c.Measures.Contains(m)), $"{m.Id} ({m.Title}) is linked to no control"));
        Assert.All(controls, c => Assert.True(c.Measures.Count > 0 && c.Measures.All(Measures.All.Contains), $"{c.Id} proves no known measure"));
        Assert.Equal(controls.Count, controls.Select(c => c.Id).Distinct().Count());
    }

    [Fact]
    public void Stealth_mode_and_the_application_firewall_prove_administrative_access()
    {
        using var box = new TestBox("tom4");
        var controls = Example(box.BaseConfig(), box.Folder).Resources.SelectMany(r => r.Controls).ToList();
        var tom4 = controls.Where(c => c.Measures.Contains(Measures.AdministrativeAccess)).Select(c => c.Id).ToList();
        Assert.Contains("alf.stealth", tom4);
        Assert.Contains("alf.enabled", tom4);
        Assert.Contains("ssh.effective", tom4);
    }

    [Fact]
    public async Task Every_controls_read_back_is_the_command_verify_runs()
    {
        using var box = new TestBox("readback");
        await ApplyAsync(box);
        await using var opened = await box.OpenAsync();
        var recording = new RecordingTarget(opened.Target);
        var plan = await Planner.PlanAsync(opened.Desired, recording, await StateRecord.LoadAsync(opened.Target, CancellationToken.None), CancellationToken.None);

        var ran = recording.Checks();
        Assert.NotEmpty(plan.Results);
        Assert.All(plan.Results, r =>
        {
            Assert.Equal(r.Control.Check.ToString(), r.Control.ReadBack);
            Assert.True(ran.Contains(r.Control.Check), $"{r.Control.Id} shows `{r.Control.ReadBack}`, which verify never ran");
        });
        var report = new VerifyReport("a", "t", true, 1, DateTimeOffset.UtcNow, plan.Results).ToJson();
        Assert.All(plan.Results, r => Assert.Contains(System.Text.Json.JsonSerializer.Serialize(r.Control.ReadBack), report));
    }

    [Fact]
    public async Task The_audit_collector_runs_the_controls_checks_by_absolute_path_and_carries_their_measures()
    {
        using var box = new TestBox("collector");
        await ApplyAsync(box);
        await using var plain = await box.OpenAsync();
        var recording = new RecordingTarget(plain.Target);
        await using var session = await ProvisioningSession.OpenAsync(box.ConfigFile, recording, new SessionOptions { ModelCache = box.ModelCache }, CancellationToken.None);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var inputs = await AuditInputsCollector.CollectAsync(session, new AuditPeriod(today, today), DateTimeOffset.UtcNow, CancellationToken.None);

        Assert.All(recording.Ran, c => Assert.True(c.Program.StartsWith('/'), $"`{c}` runs a program found by PATH"));
        Assert.Equal(1, recording.Ran.Count(c => c.Equals(ControlCatalogue.PfEnabled().Control.Check)));
        var stealth = Assert.Single(inputs.Controls, c => c.Id == "alf.stealth");
        Assert.Contains(Measures.AdministrativeAccess.Id, stealth.Measures);
        Assert.Equal("/usr/libexec/ApplicationFirewall/socketfilterfw --getstealthmode", stealth.ReadBack);
    }

    [Fact]
    public void The_readme_lists_exactly_the_controls_of_the_example_config()
    {
        var readme = File.ReadAllText(Path.Combine(TestBox.RepositoryRoot, "README.md"));
        var section = Regex.Match(readme, "<!-- controls:begin[^>]*-->\n(.*?)<!-- controls:end -->", RegexOptions.Singleline);
        Assert.True(section.Success, "README.md has no <!-- controls:begin --> … <!-- controls:end --> section");
        var text = File.ReadAllText(Path.Combine(TestBox.RepositoryRoot, "appliance.yaml"));
        var desired = Example(text, TestBox.RepositoryRoot);
        Assert.Equal(ControlCatalogue.Markdown(desired.Resources.SelectMany(r => r.Controls)), section.Groups[1].Value);
    }
}
