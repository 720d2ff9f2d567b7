using System.Text;
using Appliance.Config;
using Appliance.Exec;
using Appliance.Provision.Controls;
using Appliance.Provision.Firewall;
using Appliance.Provision.Resources;
using Appliance.Provision.Ssh;
using Appliance.Provision.Targets;
using Appliance.Provision.Templates;

namespace Appliance.Provision.Desired;

/// <summary>
/// appliance.yaml turned into the ordered list of resources the box must have. Everything on the
/// box is derived from this one list: plan, apply, verify, evidence and removal.
/// </summary>
public sealed class DesiredState
{
    private DesiredState(IReadOnlyList<Resource> resources, Layout layout, IReadOnlyList<PfRule> firewall)
    {
        Resources = resources;
        Layout = layout;
        FirewallRules = firewall;
    }

    public IReadOnlyList<Resource> Resources { get; }
    public Layout Layout { get; }
    public IReadOnlyList<PfRule> FirewallRules { get; }

    public IReadOnlyList<Owned> Owns => [.. Resources.SelectMany(r => r.Owns)];

    /// <param name="configText">The config file's text, installed for the agent as appliance.yaml.</param>
    /// <param name="modelCache">The provisioning machine's folder of model files to ship.</param>
    /// <param name="bundle">A bundle folder from `provision bundle` to install in bin, or null.</param>
    /// <param name="configDirectory">Where the config lives: provided TLS files are relative to it, a self-signed pair is kept in .cache/tls there.</param>
    /// <param name="locations">Where each field was written, so refusals can name file:line:col.</param>
    public static DesiredState From(ApplianceConfig config, string configText, TemplateSet templates, string modelCache, string? bundle = null,
        string? configDirectory = null, ConfigLocations? locations = null)
    {
        var layout = Layout.From(config);
        var resources = new List<Resource>();
        resources.AddRange(ControlCatalogue.RoleAccount());
        resources.AddRange(Folders(config, layout));
        if (bundle is not null) resources.Add(new Bundle.AgentProgram(bundle, layout.Bin));
        if (config.Network.Tls.Enabled && configDirectory is not null)
        {
            var pair = Tls.AgentCertificate.For(config, configDirectory);
            resources.Add(new ManagedDirectory(ControlCatalogue.TlsFolder, layout.Tls, "root", Layout.Account, Modes.FolderGroupReads));
            resources.Add(new ManagedFile(ControlCatalogue.TlsCertificate, layout.Tls + "/agent.crt", Tls.AgentCertificate.Bytes(pair.CertificatePem), "root", Layout.Account, Modes.FileWorldReads));
            resources.Add(new ManagedFile(ControlCatalogue.TlsKey, layout.Tls + "/agent.key", Tls.AgentCertificate.Bytes(pair.KeyPem), "root", Layout.Account, Modes.FileGroupReads) { Secret = true });
        }
        resources.Add(new ManagedFile(ControlCatalogue.AgentConfig, layout.ConfigFile, Encoding.UTF8.GetBytes(configText), "root", Layout.Account, Modes.FileGroupReads));

        var anchor = templates.Render("pf-anchor.conf", AnchorModel(config));
        var rules = PfParser.Parse(Encoding.UTF8.GetString(anchor));
        resources.Add(new ManagedFile(ControlCatalogue.PfAnchor, Layout.AnchorFile, anchor, "root", "wheel", Modes.FileWorldReads));
        resources.Add(new PfConfLines(Layout.AnchorName, Layout.AnchorFile));
        resources.Add(new LaunchDaemon(ControlCatalogue.PfDaemon, Layout.PfLabel,
            templates.Render("launchd-pf.plist", new { label = Layout.PfLabel, logFolder = layout.Logs })));
        resources.Add(new PfRulesLoaded(Layout.AnchorName, rules));
        resources.Add(ControlCatalogue.PfEnabled());
        resources.Add(new FirewallProof(Layout.AnchorName, FirewallMatrix.Cases(config)));
        resources.AddRange(UpdateWindow(config, templates));

        var wired = MemoryBudget.WiredLimitMb(config);
        resources.Add(new LaunchDaemon(ControlCatalogue.WiredLimitDaemon, Layout.WiredLimitLabel,
            templates.Render("launchd-wired-limit.plist", new
            {
                label = Layout.WiredLimitLabel, wiredLimitMb = wired, memoryMb = config.Machine.MemoryGb * 1024,
                reserveMb = config.Machine.MemoryGb * 1024 - wired,
            })));
        resources.Add(ControlCatalogue.WiredLimitNow(wired));

        resources.Add(new LaunchDaemon(ControlCatalogue.AgentDaemon, Layout.AgentLabel,
            templates.Render("launchd-agent.plist", new
            {
                label = Layout.AgentLabel, applianceName = config.Appliance.Name, user = Layout.Account, program = layout.Bin + "/appliance",
                configFile = layout.ConfigFile, root = layout.Root, nativeFolder = layout.Bin + "/native", logFolder = layout.Logs,
            })));
        resources.Add(new LaunchDaemon(ControlCatalogue.VerifyDaemon, Layout.VerifyLabel,
            templates.Render("launchd-verify.plist", new
            {
                label = Layout.VerifyLabel, program = layout.Bin + "/provision", configFile = layout.ConfigFile,
                evidenceFile = layout.Evidence + "/verify-latest.json", logFolder = layout.Logs,
                hour = Appliance.Audit.Pack.PackShelf.NightlyHour, minute = Appliance.Audit.Pack.PackShelf.NightlyMinute,
                keep = Appliance.Audit.Pack.PackShelf.Keep, shelf = layout.PackShelf,
            })));

        if (config.System.PreventSleep) resources.Add(ControlCatalogue.Power());
        if (!config.System.Spotlight) resources.Add(ControlCatalogue.SpotlightOff());
        if (config.System.ApplicationFirewall) resources.AddRange(ControlCatalogue.ApplicationFirewall());
        resources.AddRange(Ssh(config, templates, locations));
        resources.AddRange(Models(config, layout, modelCache));
        resources.AddRange(SystemChecks.For(config));
        return new DesiredState(resources, layout, rules);
    }

    /// <summary>Names go into comment lines of generated files: a line break there would start a rule.</summary>
    public static string OneLine(string text) => new([.. text.Select(c => char.IsControl(c) ? ' ' : c)]);

    private static object AnchorModel(ApplianceConfig config) => new
    {
        applianceName = OneLine(config.Appliance.Name),
        ipv6 = config.Network.Ipv6,
        dnsServers = config.Network.DnsServers.Select(a => a.ToString()).ToList(),
        ntpServers = config.Network.NtpServers.Select(a => a.ToString()).ToList(),
        officeSubnets = config.Network.OfficeSubnets.Select(n => n.ToString()).ToList(),
        adminHosts = config.Network.AdminHosts.Select(n => n.PrefixLength is 32 or 128 ? n.BaseAddress.ToString() : n.ToString()).ToList(),
        agentPort = config.Network.AgentPort,
        updateWindow = config.Network.UpdateWindow is { } w ? Describe(w) : null,
        backupShare = config.Backup is { Destination: not null, ShareHost: { } share } ? new { host = share.ToString(), port = config.Backup.SharePort } : null,
    };

    private static string Describe(Appliance.Config.UpdateWindow w) =>
        $"{ConfigNames.EnumValue(w.Day)} {w.Start:HH\\:mm}, {w.DurationMinutes} minutes";

    /// <summary>
    /// The weekly window in which egress to :80/:443 opens for macOS updates: a rules file for the
    /// sub-anchor and two calendar jobs that load and flush it. Outside the window the sub-anchor is empty.
    /// </summary>
    private static IEnumerable<Resource> UpdateWindow(ApplianceConfig config, TemplateSet templates)
    {
        if (config.Network.UpdateWindow is not { } window) yield break;
        var described = Describe(window);
        const string rules = "/etc/pf.anchors/com.appliance.update-window";
        const string sub = Layout.AnchorName + "/update-window";
        yield return new ManagedFile(ControlCatalogue.PfUpdateWindow, rules, templates.Render("pf-update-window.conf", new { updateWindow = described }), "root", "wheel", Modes.FileWorldReads);
        var start = window.Start;
        var end = start.AddMinutes(window.DurationMinutes, out var wrapped);
        // launchd: Weekday 0 and 7 are Sunday; config days run Monday = 0 … Sunday = 6.
        var day = ((int)window.Day + 1) % 7;
        var endDay = wrapped > 0 ? (day + 1) % 7 : day;
        foreach (var (label, purpose, arguments, weekday, at) in new[]
                 {
                     ("com.appliance.update-window.open", "opens", new[] { "/sbin/pfctl", "-a", sub, "-f", rules }, day, start),
                     ("com.appliance.update-window.close", "closes", new[] { "/sbin/pfctl", "-a", sub, "-F", "rules" }, endDay, end),
                 })
            yield return new LaunchDaemon(ControlCatalogue.UpdateWindowDaemon(label, purpose.TrimEnd('s')), label,
                templates.Render("launchd-update-window.plist", new { label, purpose, updateWindow = described, arguments, weekday, hour = at.Hour, minute = at.Minute }));
    }

    public static byte[] RenderAnchor(ApplianceConfig config, TemplateSet templates) => templates.Render("pf-anchor.conf", AnchorModel(config));

    private static IEnumerable<Resource> Folders(ApplianceConfig config, Layout layout)
    {
        const string a = Layout.Account;
        yield return new ManagedDirectory(ControlCatalogue.RootFolder, layout.Root, "root", "wheel", Modes.FolderWorldReads);
        yield return new ManagedDirectory(ControlCatalogue.BinFolder, layout.Bin, "root", "wheel", Modes.FolderWorldReads);
        yield return new ManagedDirectory(ControlCatalogue.LogFolder, layout.Logs, a, a, Modes.FolderGroupReads);
        yield return new ManagedDirectory(ControlCatalogue.ModelFolder, layout.Models, "root", a, Modes.FolderGroupReads);
        yield return new ManagedDirectory(ControlCatalogue.DataFolder, layout.Data, a, a, Modes.FolderOwnerOnly);
        yield return new ManagedDirectory(ControlCatalogue.EvidenceFolder, layout.Evidence, "root", "wheel", Modes.FolderOwnerOnly);
        yield return new ManagedDirectory(ControlCatalogue.AgentAuditFolder, layout.AgentAudit, a, a, Modes.FolderOwnerOnly);
        yield return new ManagedDirectory(ControlCatalogue.PackShelfFolder, layout.PackShelf, "root", a, Modes.FolderGroupReads);
        yield return new ManagedDirectory(ControlCatalogue.CollectionsFolder, layout.Collections, a, a, Modes.FolderOwnerOnly);
        foreach (var collection in config.Rag.Collections)
            yield return new ManagedDirectory(ControlCatalogue.CollectionFolder(collection.Id), layout.Collection(collection.Id), a, a, Modes.FolderOwnerOnly);
    }

    private static IEnumerable<Resource> Ssh(ApplianceConfig config, TemplateSet templates, ConfigLocations? locations)
    {
        var ssh = config.System.Ssh;
        if (!ssh.Enabled) yield break;
        yield return new ProvisioningLogin(ssh.Users, locations);
        yield return new ManagedFile(ControlCatalogue.SshDropIn, Layout.SshDropIn, templates.Render("sshd-appliance.conf", new { applianceName = OneLine(config.Appliance.Name), keyOnly = ssh.KeyOnly, users = string.Join(", ", ssh.Users) }),
            "root", "wheel", Modes.FileWorldReads);
        foreach (var user in ssh.Users) yield return ControlCatalogue.SshAccess(user);
        yield return ControlCatalogue.SshEffective(ssh.KeyOnly);
    }

    private static IEnumerable<Resource> Models(ApplianceConfig config, Layout layout, string modelCache)
    {
        var models = new List<(string Role, ModelSpec Spec)> { ("chat", config.Models.Chat), ("embedding", config.Models.Embedding) };
        if (config.Models.Reranker is { } reranker) models.Add(("reranker", reranker));
        foreach (var (role, spec) in models)
            yield return new ModelFile(role, spec.Name, layout.Model(spec), spec.Sha256.Hex, modelCache);
    }
}
