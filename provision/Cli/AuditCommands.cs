using System.CommandLine;
using System.Text.Json;
using Appliance.Audit.Pack;
using Appliance.Audit.Signing;

namespace Appliance.Provision.Cli;

/// <summary>`provision audit …`: the signed evidence a DPO hands to an auditor.</summary>
internal static class AuditCommands
{
    public static Command Create()
    {
        var audit = new Command("audit", "build and check signed audit packs");
        audit.Subcommands.Add(Verify());
        return audit;
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
            fails. Exit codes: 0 the pack is intact, 1 something fails, 2 the pack or key cannot be read.
            """) { pack, publicKey, json };
        verify.SetAction(parse =>
        {
            var file = parse.GetValue(pack)!;
            if (!file.Exists)
            {
                Console.Error.WriteLine($"provision audit verify: {file.FullName} does not exist");
                return 2;
            }
            AuditPublicKey? key = null;
            if (parse.GetValue(publicKey) is { } keyFile)
            {
                try
                {
                    key = AuditPublicKey.Parse(File.ReadAllText(keyFile.FullName));
                }
                catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
                {
                    Console.Error.WriteLine($"provision audit verify: cannot use {keyFile.FullName} as public key: {e.Message}");
                    return 2;
                }
            }
            var result = AuditPackVerifier.Verify(file.FullName, key);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    pack = file.FullName, ok = result.Ok, key_source = result.KeySource,
                    findings = result.Findings.Select(f => new { subject = f.Subject, ok = f.Ok, detail = f.Detail }),
                }, JsonOptions.Indented));
            }
            else
            {
                foreach (var finding in result.Findings)
                    Console.WriteLine($"{(finding.Ok ? "ok  " : "FAIL")}  {finding.Subject}: {finding.Detail}");
                Console.WriteLine($"signature checked against {result.KeySource}");
                Console.WriteLine(result.Ok
                    ? $"{file.Name}: intact ({result.Findings.Count} checks passed)"
                    : $"{file.Name}: {result.Failures.Count()} check(s) FAILED: {string.Join(", ", result.Failures.Select(f => f.Subject))}");
            }
            return result.Ok ? 0 : 1;
        });
        return verify;
    }
}
