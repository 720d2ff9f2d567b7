using System.CommandLine;
using System.Text.Json;
using Appliance.Audit.Evidence;
using Appliance.Audit.Pack;
using Appliance.Audit.Render;
using Appliance.Audit.Signing;
using Appliance.Config;
using Appliance.Provision.AuditPack;
using Appliance.Provision.Targets;

namespace Appliance.Provision.Cli;

/// <summary>`provision audit …`: the signed evidence a DPO hands to an auditor.</summary>
internal static class AuditCommands
{
    public static Command Create()
    {
        var audit = new Command("audit", "build and check signed audit packs");
        audit.Subcommands.Add(Pack());
        audit.Subcommands.Add(Verify());
        return audit;
    }

    private static Command Pack()
    {
        var config = CommonOptions.ConfigFile();
        var target = CommonOptions.Target();
        var sshConfig = CommonOptions.SshConfig();
        var modelsFrom = CommonOptions.ModelsFrom();
        var output = new Option<FileInfo?>("--output", "-o") { Description = "where to write the pack (default: audit-pack-HOST-FROM-TO.zip)" };
        var period = new Option<string?>("--period")
        {
            Description = "the period the usage, journal and erasures cover, as yyyy-MM-dd..yyyy-MM-dd (default: the last 30 days)",
        };
        var language = new Option<string?>("--language", "-l")
        {
            Description = $"the pack's language: {string.Join(" or ", ConfigNames.EnumValues(typeof(ReportLanguage)))} (default: privacy.report_language in appliance.yaml)",
        };
        var json = CommonOptions.Json();
        var pack = new Command("pack", """
            Build a signed audit pack from the live box: a fresh verify of every control, the installed
            firewall anchor and the flows it lets through, the provisioning journal, system facts, and
            the usage, erasure and query-log evidence the agent exported. Writes index.html, report.pdf,
            evidence.json (+ schema), the raw evidence, manifest.json and an Ed25519 signature made with
            the appliance's audit key (created on the box, root-only, the first time).
            Check the result with `provision audit verify PACK.zip --public-key audit-key.pub`.
            The nightly job (`provision nightly`) builds one every night and shelves it for the DPO's
            download in the agent's web page.
            Its text (HTML and PDF) is in English or German, with every time in the box's time zone.
            """) { config, target, sshConfig, modelsFrom, output, period, language, json };
        pack.SetAction(async (parse, ct) =>
        {
            ReportLanguage? chosen = null;
            if (parse.GetValue(language) is { } code)
            {
                chosen = Enum.GetValues<ReportLanguage>().Cast<ReportLanguage?>().FirstOrDefault(l => ConfigNames.EnumValue(l!.Value) == code);
                if (chosen is null)
                {
                    Console.Error.WriteLine($"provision audit pack: --language '{code}' is not a pack language (expected {string.Join(" or ", ConfigNames.EnumValues(typeof(ReportLanguage)))})");
                    return 2;
                }
            }
            AuditPeriod window;
            var created = DateTimeOffset.UtcNow;
            try
            {
                window = parse.GetValue(period) is { } text ? AuditPeriod.Parse(text)
                    : SignedPack.LastThirtyDays(created);
            }
            catch (FormatException e)
            {
                Console.Error.WriteLine($"provision audit pack: --period {e.Message}");
                return 2;
            }

            try
            {
                await using var session = await ProvisioningSession.OpenAsync(parse.GetValue(config)!.FullName, parse.GetValue(target)!,
                    new SessionOptions { SshConfig = parse.GetValue(sshConfig)?.FullName, ModelCache = parse.GetValue(modelsFrom)?.FullName }, ct);
                if (session.Target.IsSimulated)
                    Console.WriteLine($"simulated macOS: {session.Target.Description} is a test double, not a real Mac; the pack says so on every page");
                var file = parse.GetValue(output)?.FullName
                    ?? Path.GetFullPath($"audit-pack-{session.Config.Appliance.Hostname}-{window.From:yyyyMMdd}-{window.To:yyyyMMdd}.zip");
                var (_, evidence, key, keyCreated) = await SignedPack.WriteAsync(session, window, created, file, verify: null, ct, chosen);
                var publicKey = Path.ChangeExtension(file, ".audit-key.pub");
                await File.WriteAllTextAsync(publicKey, key.ToText(), ct);

                if (parse.GetValue(json))
                {
                    Console.WriteLine(JsonSerializer.Serialize(new
                    {
                        pack = file, public_key = publicKey, key_fingerprint = key.Fingerprint, key_created = keyCreated,
                        period = window.ToString(), controls_passed = evidence.Controls.Passed, controls_failed = evidence.Controls.Failed,
                        queries = evidence.Usage.TotalQueries, answered = evidence.Usage.Answered, refused = evidence.Usage.Refused,
                        sign_ins = evidence.Usage.Logins, failed_sign_ins = evidence.Usage.LoginFailures, lockouts = evidence.Usage.Lockouts,
                        access_denials = evidence.Usage.AccessDenials, agent_evidence_exported_at = evidence.Usage.EvidenceExportedAt, erasures = evidence.Erasures.Count, query_log_chain_intact = evidence.Usage.QueryLogChain.Intact,
                        simulated = evidence.Pack.Simulated, language = evidence.Pack.Language, time_zone = evidence.Pack.TimeZone,
                    }, JsonOptions.Indented));
                }
                else
                {
                    Console.WriteLine($"audit pack written: {file}");
                    Console.WriteLine($"  period {window}, controls {evidence.Controls.Passed} pass / {evidence.Controls.Failed} fail, {evidence.Usage.TotalQueries} queries, {evidence.Erasures.Count} erasures");
                    Console.WriteLine($"  {evidence.Usage.Summary()}");
                    var chain = evidence.Usage.QueryLogChain;
                    Console.WriteLine($"  query-log chain: {(chain.Intact ? "intact — " : chain.Entries == 0 ? "" : "NOT intact — ")}{chain.Detail}");
                    Console.WriteLine($"  signed with audit key {key.Fingerprint}{(keyCreated ? " (created now on the box; recorded in the journal)" : "")}");
                    Console.WriteLine($"  public key: {publicKey}");
                    Console.WriteLine($"  contents: {string.Join(", ", Appliance.Audit.Text.PackText.Of(evidence.Pack).Sections().Select((t, i) => $"{i + 1}. {t}"))}");
                }
                return 0;
            }
            catch (InvalidConfigException e)
            {
                foreach (var error in e.Errors) Console.Error.WriteLine(error);
                return 2;
            }
            catch (Exception e) when (e is TargetRefusedException or TargetUnreachableException or InvalidDataException or IOException
                                          or FormatException or Appliance.Exec.CommandException)
            {
                Console.Error.WriteLine($"provision audit pack: {e.Message}");
                return 1;
            }
        });
        return pack;
    }

    private static Command Verify()
    {
        var pack = new Argument<FileInfo>("PACK") { Description = "the audit pack (.zip) to check" };
        var publicKey = new Option<FileInfo?>("--public-key")
        {
            Description = "the appliance's audit public key (audit-key.pub); without it the key inside the pack is used and its fingerprint must be compared by hand",
        };
        var json = CommonOptions.Json();
        var verify = new Command("verify", """
            Check an audit pack: the Ed25519 signature over manifest.json, the SHA-256 of every file,
            that no file was added, and the hash chain of the query-log excerpt. Names exactly what
            fails. Also checks a signed query-log excerpt the DPO exported from the web page: the
            audit key's certificate for the agent's excerpt key, the signature, the digests, each
            entry's hash and the unbroken chain from it to the log's head. Exit codes: 0 the pack is intact, 1 something fails, 2 the pack or key cannot be read.
            """) { pack, publicKey, json };
        verify.SetAction(parse => PackCheckCommand.Run("provision audit verify", parse.GetValue(pack)!.FullName, parse.GetValue(publicKey)?.FullName,
            parse.GetValue(json), Console.Out, Console.Error));
        return verify;
    }
}
