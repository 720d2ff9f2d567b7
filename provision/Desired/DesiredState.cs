using System.Text;
using Appliance.Config;
using Appliance.Exec;
using Appliance.Provision.Apply;
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
        resources.AddRange(Account());
        resources.AddRange(Folders(config, layout));
        if (bundle is not null) resources.Add(new Bundle.AgentProgram(bundle, layout.Bin));
        if (config.Network.Tls.Enabled && configDirectory is not null)
        {
            var pair = Tls.AgentCertificate.For(config, configDirectory);
            resources.Add(new ManagedDirectory("dir.tls", "TLS folder", "only root and the agent may read the key", layout.Tls, "root", Layout.Account, 0x1E8));
            resources.Add(new ManagedFile("file.tls-certificate", "agent TLS certificate", "staff browsers reach the agent over HTTPS only",
                layout.Tls + "/agent.crt", Tls.AgentCertificate.Bytes(pair.CertificatePem), "root", Layout.Account, 0x1A4));
            resources.Add(new ManagedFile("file.tls-key", "agent TLS private key (root and _appliance only)", "whoever holds the key can impersonate the agent",
                layout.Tls + "/agent.key", Tls.AgentCertificate.Bytes(pair.KeyPem), "root", Layout.Account, 0x1A0) { Secret = true });
        }
        resources.Add(new ManagedFile("file.agent-config", "the agent's appliance.yaml", "the agent reads its whole configuration from this copy",
            layout.ConfigFile, Encoding.UTF8.GetBytes(configText), "root", Layout.Account, 0x1A0));

        var anchor = templates.Render("pf-anchor.conf", AnchorModel(config));
        var rules = PfParser.Parse(Encoding.UTF8.GetString(anchor));
        resources.Add(new ManagedFile("file.pf-anchor", "pf anchor file with the appliance rules", "the firewall rules, generated from network:",
            Layout.AnchorFile, anchor, "root", "wheel", 0x1A4));
        resources.Add(new PfConfLines(Layout.AnchorName, Layout.AnchorFile));
        resources.Add(new LaunchDaemon(Layout.PfLabel, "pf enabled at boot", "macOS loads pf.conf at boot but never enables pf",
            templates.Render("launchd-pf.plist", new { label = Layout.PfLabel, logFolder = layout.Logs })));
        resources.Add(new PfRulesLoaded(Layout.AnchorName, rules));
        resources.Add(PfEnabled());
        resources.Add(new FirewallProof(Layout.AnchorName, FirewallMatrix.Cases(config)));
        resources.AddRange(UpdateWindow(config, templates));

        var wired = MemoryBudget.WiredLimitMb(config);
        resources.Add(new LaunchDaemon(Layout.WiredLimitLabel, "GPU wired limit at boot", "iogpu.wired_limit_mb is lost at every reboot",
            templates.Render("launchd-wired-limit.plist", new
            {
                label = Layout.WiredLimitLabel, wiredLimitMb = wired, memoryMb = config.Machine.MemoryGb * 1024,
                reserveMb = config.Machine.MemoryGb * 1024 - wired,
            })));
        resources.Add(WiredLimitNow(wired));

        resources.Add(new LaunchDaemon(Layout.AgentLabel, "appliance agent service", "the agent runs as the role account, restarts when it exits",
            templates.Render("launchd-agent.plist", new
            {
                label = Layout.AgentLabel, applianceName = config.Appliance.Name, user = Layout.Account, program = layout.Bin + "/appliance",
                configFile = layout.ConfigFile, root = layout.Root, nativeFolder = layout.Bin + "/native", logFolder = layout.Logs,
            })));
        resources.Add(new LaunchDaemon(Layout.VerifyLabel, "nightly verify and audit pack", "controls checked and a signed audit pack shelved for the DPO, every night, as root",
            templates.Render("launchd-verify.plist", new
            {
                label = Layout.VerifyLabel, program = layout.Bin + "/provision", configFile = layout.ConfigFile,
                evidenceFile = layout.Evidence + "/verify-latest.json", logFolder = layout.Logs,
                hour = Appliance.Audit.Pack.PackShelf.NightlyHour, minute = Appliance.Audit.Pack.PackShelf.NightlyMinute,
                keep = Appliance.Audit.Pack.PackShelf.Keep, shelf = layout.PackShelf,
            })));

        if (config.System.PreventSleep) resources.Add(Power());
        if (!config.System.Spotlight) resources.Add(SpotlightOff());
        if (config.System.ApplicationFirewall) resources.AddRange(ApplicationFirewall());
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
        yield return new ManagedFile("file.pf-update-window", "update-window rules (loaded only during the window)", "macOS updates need egress; only then",
            rules, templates.Render("pf-update-window.conf", new { updateWindow = described }), "root", "wheel", 0x1A4);
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
            yield return new LaunchDaemon(label, $"update window {purpose.TrimEnd('s')}", "egress for macOS updates, only in the configured window",
                templates.Render("launchd-update-window.plist", new { label, purpose, updateWindow = described, arguments, weekday, hour = at.Hour, minute = at.Minute }));
    }

    public static byte[] RenderAnchor(ApplianceConfig config, TemplateSet templates) => templates.Render("pf-anchor.conf", AnchorModel(config));

    private static IEnumerable<Resource> Account()
    {
        var id = Command.Of(MacTools.Id, "-u", Layout.Account);
        yield return new Setting(
            new("account.role", "role account _appliance (UID 420) exists", "the agent runs without a login, a home or a shell",
                $"id -u {Layout.Account}", Layout.AccountId.ToString()),
            id, r => r.Succeeded ? r.StandardOutput.Trim() : "absent",
            [rid => new RunThenCheck(
                Command.Of(MacTools.Sysadminctl, "-addUser", Layout.Account, "-fullName", "Appliance agent", "-UID", "420", "-GID", "420",
                    "-shell", "/usr/bin/false", "-home", "/var/empty", "-roleAccount"),
                id, "420",
                "sysadminctl exits 0 even when it fails: check that UID 420 is free (dscl . -list /Users UniqueID); over SSH the session needs Full Disk Access.")
                { Resource = rid }]);
        yield return new Setting(
            new("account.hidden", "role account hidden from the login window", "nobody can pick it at the login window",
                $"dscl . -read /Users/{Layout.Account} IsHidden", "1"),
            Command.Of(MacTools.Dscl, ".", "-read", "/Users/" + Layout.Account, "IsHidden"),
            r => r.Succeeded ? r.StandardOutput.Replace("IsHidden:", "").Trim() : "not set",
            [Setting.Run(Command.Of(MacTools.Dscl, ".", "-create", "/Users/" + Layout.Account, "IsHidden", "1"))]);
    }

    private static IEnumerable<Resource> Folders(ApplianceConfig config, Layout layout)
    {
        const string a = Layout.Account;
        yield return new ManagedDirectory("dir.root", "appliance folder", "everything the appliance keeps, outside users' homes (TCC)", layout.Root, "root", "wheel", 0x1ED);
        yield return new ManagedDirectory("dir.bin", "agent program folder", "only root may replace the agent", layout.Bin, "root", "wheel", 0x1ED);
        yield return new ManagedDirectory("dir.logs", "log folder", "the agent writes its logs here", layout.Logs, a, a, 0x1E8);
        yield return new ManagedDirectory("dir.models", "model folder", "the agent reads models, cannot change them", layout.Models, "root", a, 0x1E8);
        yield return new ManagedDirectory("dir.data", "data folder (.noindex keeps Spotlight out)", "index and query log; only the agent reads them", layout.Data, a, a, 0x1C0);
        yield return new ManagedDirectory("dir.evidence", "evidence folder", "nightly verify results for the audit pack", layout.Evidence, "root", "wheel", 0x1C0);
        yield return new ManagedDirectory("dir.agent-audit", "agent's audit folder", "the agent exports its usage evidence here for the nightly pack", layout.AgentAudit, a, a, 0x1C0);
        yield return new ManagedDirectory("dir.audit-packs", "audit pack shelf", "root shelves the signed nightly packs here; the agent may read them, not change them",
            layout.PackShelf, "root", a, 0x1E8);
        yield return new ManagedDirectory("dir.collections", "collections folder", "one folder per document collection", layout.Collections, a, a, 0x1C0);
        foreach (var collection in config.Rag.Collections)
            yield return new ManagedDirectory($"dir.collection.{collection.Id}", $"collection '{collection.Id}' index folder",
                "removed again when the collection leaves the config", layout.Collection(collection.Id), a, a, 0x1C0);
    }

    private static Setting PfEnabled() => new(
        new("pf.enabled", "pf firewall is enabled", "pf is disabled at boot and by `pfctl -d`; rules that are loaded but not enforced protect nothing",
            "pfctl -s info (Status:)", "enabled"),
        Command.Of(MacTools.Pfctl, "-s", "info"),
        r => r.StandardOutput.Contains("Status: Enabled", StringComparison.Ordinal) ? "enabled"
            : r.StandardOutput.Contains("Status: Disabled", StringComparison.Ordinal) ? "disabled" : "unknown",
        // -E takes a reference token; only planned when pf is disabled, so tokens do not pile up.
        [Setting.Run(Command.Of(MacTools.Pfctl, "-E"))]);

    private static Setting WiredLimitNow(int mb) => new(
        new("gpu.wired-limit", $"Metal may wire {mb} MB (iogpu.wired_limit_mb)", "models plus KV cache must fit without swapping; SIP forbids turning swap off",
            "sysctl -n iogpu.wired_limit_mb", mb.ToString()),
        Command.Of(MacTools.Sysctl, "-n", "iogpu.wired_limit_mb"),
        r => r.Succeeded ? r.StandardOutput.Trim() : "unreadable",
        [Setting.Run(Command.Of(MacTools.Sysctl, $"iogpu.wired_limit_mb={mb}"))]);

    private static readonly (string Key, string Value)[] PowerSettings =
        [("sleep", "0"), ("disksleep", "0"), ("displaysleep", "10"), ("powernap", "0"), ("womp", "1"), ("autorestart", "1")];

    private static Setting Power() => new(
        new("power.pmset", "never sleeps, restarts after power loss", "an appliance that sleeps answers nobody",
            "pmset -g custom", string.Join(' ', PowerSettings.Select(p => $"{p.Key}={p.Value}"))),
        Command.Of(MacTools.Pmset, "-g", "custom"),
        r =>
        {
            var values = r.StandardOutput.Split('\n').Select(l => l.Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries))
                .Where(p => p.Length == 2).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.First()[1].Trim());
            return string.Join(' ', PowerSettings.Select(p => $"{p.Key}={values.GetValueOrDefault(p.Key, "?")}"));
        },
        [Setting.Run(Command.Of(MacTools.Pmset, ["-a", .. PowerSettings.SelectMany(p => new[] { p.Key, p.Value })]))]);

    private static Setting SpotlightOff() => new(
        new("spotlight.off", "Spotlight does not index the data volume", "the index would copy confidential text outside the appliance's control",
            $"mdutil -s {Layout.DataVolume}", "disabled"),
        Command.Of(MacTools.Mdutil, "-s", Layout.DataVolume),
        r => r.StandardOutput.Contains("Indexing disabled", StringComparison.Ordinal) ? "disabled"
            : r.StandardOutput.Contains("Indexing enabled", StringComparison.Ordinal) ? "enabled" : "unknown",
        [Setting.Run(Command.Of(MacTools.Mdutil, "-i", "off", Layout.DataVolume))]);

    private static IEnumerable<Resource> ApplicationFirewall()
    {
        yield return new Setting(
            new("alf.enabled", "application firewall on", "a second, per-application layer below pf", "socketfilterfw --getglobalstate", "on"),
            Command.Of(MacTools.Socketfilterfw, "--getglobalstate"),
            r => r.StandardOutput.Contains("enabled", StringComparison.Ordinal) ? "on" : "off",
            [Setting.Run(Command.Of(MacTools.Socketfilterfw, "--setglobalstate", "on"))]);
        yield return new Setting(
            new("alf.stealth", "stealth mode on", "the box does not answer probes (ping, closed ports)", "socketfilterfw --getstealthmode", "on"),
            Command.Of(MacTools.Socketfilterfw, "--getstealthmode"),
            r => r.StandardOutput.Contains("is on", StringComparison.Ordinal) ? "on" : "off",
            [Setting.Run(Command.Of(MacTools.Socketfilterfw, "--setstealthmode", "on"))]);
    }

    private static IEnumerable<Resource> Ssh(ApplianceConfig config, TemplateSet templates, ConfigLocations? locations)
    {
        var ssh = config.System.Ssh;
        if (!ssh.Enabled) yield break;
        yield return new ProvisioningLogin(ssh.Users, locations);
        yield return new ManagedFile("file.sshd-drop-in", "sshd drop-in (key-only, no root login)", "sorts before Apple's 100-macos.conf; sshd keeps the first value",
            Layout.SshDropIn, templates.Render("sshd-appliance.conf", new { applianceName = OneLine(config.Appliance.Name), keyOnly = ssh.KeyOnly, users = string.Join(", ", ssh.Users) }),
            "root", "wheel", 0x1A4);
        foreach (var user in ssh.Users)
            yield return new Setting(
                new($"ssh.access.{user}", $"{user} may log in over SSH (com.apple.access_ssh)", "only members of this group may use SSH",
                    $"dseditgroup -o checkmember -m {user} com.apple.access_ssh", "member"),
                Command.Of(MacTools.Dseditgroup, "-o", "checkmember", "-m", user, "com.apple.access_ssh"),
                r => r.ExitCode == 0 ? "member" : "not a member",
                [Setting.Run(Command.Of(MacTools.Dseditgroup, "-o", "edit", "-a", user, "-t", "user", "com.apple.access_ssh"))]);
        var want = ssh.KeyOnly ? "passwordauthentication no, permitrootlogin no" : "permitrootlogin no";
        yield return new Setting(
            new("ssh.effective", "sshd's effective settings", "a drop-in that sorts after Apple's file would be ignored", "sshd -G", want),
            Command.Of(MacTools.Sshd, "-G"),
            r =>
            {
                var lines = r.StandardOutput.Split('\n').Select(l => l.Trim()).ToHashSet();
                var parts = new List<string>();
                if (ssh.KeyOnly) parts.Add(lines.Contains("passwordauthentication no") ? "passwordauthentication no" : "passwordauthentication yes");
                parts.Add(lines.Contains("permitrootlogin no") ? "permitrootlogin no" : "permitrootlogin allowed");
                return string.Join(", ", parts);
            },
            [])
        {
            ManualFix = $"apply writes {Layout.SshDropIn}; if it still loses, look for an earlier drop-in or a Match block in /etc/ssh/sshd_config",
            FollowsFrom = ["file " + Layout.SshDropIn],
        };
    }

    private static IEnumerable<Resource> Models(ApplianceConfig config, Layout layout, string modelCache)
    {
        var models = new List<(string Role, ModelSpec Spec)> { ("chat", config.Models.Chat), ("embedding", config.Models.Embedding) };
        if (config.Models.Reranker is { } reranker) models.Add(("reranker", reranker));
        foreach (var (role, spec) in models)
            yield return new ModelFile(role, spec.Name, layout.Model(spec), spec.Sha256.Hex, modelCache);
    }
}
