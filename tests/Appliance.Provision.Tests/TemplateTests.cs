using System.Diagnostics;
using System.Text;
using System.Xml.Linq;
using Appliance.Config;
using Appliance.Provision.Desired;
using Appliance.Provision.Resources;
using Appliance.Provision.Templates;

namespace Appliance.Provision.Tests;

/// <summary>Every generated file: pinned byte for byte, deterministic, and plists readable by an independent parser.</summary>
public sealed class TemplateTests
{
    private static readonly string ExampleConfig = Path.Combine(TestBox.RepositoryRoot, "appliance.yaml");

    public static IReadOnlyDictionary<string, byte[]> Generated()
    {
        var config = ConfigLoader.Load(ExampleConfig).Require();
        var desired = DesiredState.From(config, File.ReadAllText(ExampleConfig), TemplateSet.Load(), "/nonexistent");
        var files = new Dictionary<string, byte[]>();
        foreach (var resource in desired.Resources)
        {
            if (resource is LaunchDaemon job) files[Path.GetFileName(job.PlistPath)] = job.PlistContent;
            else if (resource is ManagedFile file && file.Path != desired.Layout.ConfigFile) files[Path.GetFileName(file.Path)] = file.Content;
        }
        return files;
    }

    public static TheoryData<string> Names() => [.. Generated().Keys.Order()];

    [Theory]
    [MemberData(nameof(Names))]
    public void Generated_file_matches_its_approved_snapshot(string name) =>
        Snapshot.Match(name, Encoding.UTF8.GetString(Generated()[name]));

    [Fact]
    public void Every_template_is_used_and_rendering_is_deterministic()
    {
        var first = Generated();
        var second = Generated();
        Assert.Equal(first.Keys.Order(), second.Keys.Order());
        Assert.All(first, f => Assert.Equal(f.Value, second[f.Key]));
        Assert.Equal(9, first.Count);
        Assert.Equal(8, Directory.GetFiles(Path.Combine(TestBox.RepositoryRoot, "templates"), "*" + TemplateSet.Extension).Length);
    }

    /// <summary>plistutil accepts malformed XML (a comment with "--"); a strict XML parser does not.</summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void Plists_are_well_formed_xml_for_a_strict_parser(string name)
    {
        if (!name.EndsWith(".plist", StringComparison.Ordinal)) return;
        AssertWellFormed(Generated()[name]);
    }

    [Fact]
    public void An_appliance_name_with_xml_comment_breakers_and_markup_still_gives_well_formed_plists_that_keep_the_name()
    {
        var text = File.ReadAllText(ExampleConfig).Replace("name: \"Berger & Partner — Kanzlei-KI\"", "name: \"A--B <x> & 'c' -\"");
        Assert.Contains("A--B", text);
        var config = ConfigLoader.LoadText(text, "appliance.yaml", TestBox.RepositoryRoot).Require();
        var desired = DesiredState.From(config, text, TemplateSet.Load(), "/nonexistent");
        var agent = desired.Resources.OfType<LaunchDaemon>().Single(d => d.Label == Layout.AgentLabel);
        var document = AssertWellFormed(agent.PlistContent);
        var comment = document.Nodes().OfType<XComment>().Single().Value;
        // Comments hold no entities, but the snapshots keep Handlebars' escaped form ("&amp;"): only "--" is split.
        Assert.Contains("A- -B &lt;x&gt; &amp; &#x27;c&#x27; -", comment);
        Assert.DoesNotContain("--", comment);
    }

    [Fact]
    public void Config_files_refuse_a_value_that_is_not_one_safe_token()
    {
        var templates = TemplateSet.Load();
        Assert.Equal(Appliance.Audit.Render.OutputLanguage.ConfigTokens, templates.LanguageOf("pf-anchor.conf"));
        Assert.Equal(Appliance.Audit.Render.OutputLanguage.Xml, templates.LanguageOf("launchd-agent.plist"));
        var model = new
        {
            applianceName = "x", ipv6 = true, dnsServers = new List<string> { "192.168.10.1\npass out quick all" }, ntpServers = new List<string>(),
            officeSubnets = new List<string>(), adminHosts = new List<string>(), agentPort = 8443, updateWindow = (string?)null,
        };
        var error = Assert.Throws<FormatException>(() => templates.Render("pf-anchor.conf", model));
        Assert.Matches(@"pf-anchor\.conf\.sbn:\d+:\d+: '192\.168\.10\.1\npass out quick all' is not a single safe token", error.Message);
    }

    private static XDocument AssertWellFormed(byte[] bytes)
    {
        using var reader = System.Xml.XmlReader.Create(new MemoryStream(bytes),
            new System.Xml.XmlReaderSettings { DtdProcessing = System.Xml.DtdProcessing.Ignore, XmlResolver = null });
        return XDocument.Load(reader);
    }

    /// <summary>Debian's plistutil (libplist) converts each plist to binary and back: it must keep every key and value.</summary>
    [Theory]
    [MemberData(nameof(Names))]
    public async Task Plists_survive_a_round_trip_through_plistutil(string name)
    {
        if (!name.EndsWith(".plist", StringComparison.Ordinal)) return;
        var folder = Directory.CreateTempSubdirectory("plist-").FullName;
        try
        {
            var xml = Path.Combine(folder, name);
            await File.WriteAllBytesAsync(xml, Generated()[name]);
            await Run("plistutil", "-i", xml, "-o", xml + ".bin");
            await Run("plistutil", "-i", xml + ".bin", "-o", xml + ".back");
            Assert.True(new FileInfo(xml + ".bin").Length > 40);
            Assert.Equal(Canonical(XDocument.Load(xml)), Canonical(XDocument.Load(xml + ".back")));
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    [Fact]
    public void The_wired_limit_leaves_macOS_a_reserve()
    {
        var config = ConfigLoader.Load(ExampleConfig).Require();
        var limit = MemoryBudget.WiredLimitMb(config);
        Assert.Equal(222208, limit);
        Assert.InRange(limit / (256.0 * 1024), 0.80, 0.90);
        Assert.Equal(8192, MemoryBudget.ReserveMb(32));
    }

    private static string Canonical(XDocument document) =>
        string.Join('\n', document.Root!.Descendants().Where(e => !e.HasElements).Select(e => $"{e.Name.LocalName}={e.Value}"));

    private static async Task Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{program} failed: {error}");
    }
}

/// <summary>The agent's TLS certificate: made once per host name, then the same bytes on every plan.</summary>
public sealed class CertificateTests
{
    [Fact]
    public async Task A_self_signed_certificate_is_kept_and_its_key_never_shown_in_a_plan()
    {
        using var box = new TestBox("tls");
        await using var first = await box.OpenAsync();
        await using var second = await box.OpenAsync();
        var key = (Resources.ManagedFile)first.Desired.Resources.Single(r => r.Id.EndsWith("/tls/agent.key", StringComparison.Ordinal));
        var again = (Resources.ManagedFile)second.Desired.Resources.Single(r => r.Id.EndsWith("/tls/agent.key", StringComparison.Ordinal));
        Assert.Equal(key.Content, again.Content);
        var certificate = (Resources.ManagedFile)first.Desired.Resources.Single(r => r.Id.EndsWith("/tls/agent.crt", StringComparison.Ordinal));
        using var parsed = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(System.Text.Encoding.ASCII.GetString(certificate.Content));
        Assert.Equal("ai-box.berger.lan", parsed.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.DnsName, false));

        var plan = await first.PlanAsync(CancellationToken.None);
        var change = plan.Changes.Single(c => c.Resource == key.Id);
        Assert.Equal("(secret: content not shown)\n", change.Diff);
        Assert.DoesNotContain("PRIVATE KEY", Appliance.Provision.Cli.PlanPrinter.Json(plan));
    }
}
