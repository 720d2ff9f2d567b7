using System.Text.Json;
using Appliance.Audit.Signing;

namespace Appliance.Audit.Pack;

/// <summary>
/// `audit verify` as a person runs it, in one place: `provision audit verify` and the standalone
/// verifier a DPO runs on Windows or a Mac (appliance-audit-verify) print the same findings and
/// exit with the same codes: 0 the pack is intact, 1 something fails, 2 the pack or key cannot be read.
/// </summary>
public static class PackCheckCommand
{
    public const int Intact = 0, Fails = 1, Unreadable = 2;

    /// <param name="program">how the messages name the program ("provision audit verify", "appliance-audit-verify")</param>
    public static int Run(string program, string packPath, string? publicKeyPath, bool json, TextWriter output, TextWriter error)
    {
        var file = new FileInfo(packPath);
        if (!file.Exists)
        {
            error.WriteLine($"{program}: {file.FullName} does not exist");
            return Unreadable;
        }
        AuditPublicKey? key = null;
        if (publicKeyPath is not null)
        {
            try
            {
                key = AuditPublicKey.Parse(File.ReadAllText(publicKeyPath));
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                error.WriteLine($"{program}: cannot use {Path.GetFullPath(publicKeyPath)} as public key: {e.Message}");
                return Unreadable;
            }
        }
        var result = AuditPackVerifier.Verify(file.FullName, key);
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new
            {
                pack = file.FullName, ok = result.Ok, key_source = result.KeySource,
                findings = result.Findings.Select(f => new { subject = f.Subject, ok = f.Ok, detail = f.Detail }),
            }, AuditJson.Options));
        }
        else
        {
            foreach (var finding in result.Findings)
                output.WriteLine($"{(finding.Ok ? "ok  " : "FAIL")}  {finding.Subject}: {finding.Detail}");
            output.WriteLine($"signature checked against {result.KeySource}");
            output.WriteLine(result.Ok
                ? $"{file.Name}: intact ({result.Findings.Count} checks passed)"
                : $"{file.Name}: {result.Failures.Count()} check(s) FAILED: {string.Join(", ", result.Failures.Select(f => f.Subject))}");
        }
        return result.Ok ? Intact : Fails;
    }
}
