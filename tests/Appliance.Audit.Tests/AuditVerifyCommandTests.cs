using System.IO.Compression;
using Appliance.Audit.Pack;
using Appliance.Audit.Render;
using Appliance.Audit.Signing;
using Appliance.Exec;

namespace Appliance.Audit.Tests;

/// <summary>`provision audit verify` as an auditor runs it.</summary>
public sealed class AuditVerifyCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("audit-cli").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task An_intact_pack_exits_0_and_a_tampered_one_exits_1_naming_the_file()
    {
        var key = AuditKey.Create();
        key.Save(Path.Combine(_dir, "audit-key"));
        var pack = Path.Combine(_dir, "pack.zip");
        new AuditPackWriter(HtmlReport.FromShippedTemplates(), new PdfReport()).Write(PackInputs.Example(), key, pack);

        var ok = await Provision("audit", "verify", pack, "--public-key", Path.Combine(_dir, "audit-key.pub"));
        Assert.Equal(0, ok.ExitCode);
        Assert.Contains("pack.zip: intact", ok.StandardOutput);
        Assert.Contains("the --public-key given", ok.StandardOutput);

        using (var zip = ZipFile.Open(pack, ZipArchiveMode.Update))
        {
            zip.GetEntry("raw/erasures.json")!.Delete();
            using var writer = new StreamWriter(zip.CreateEntry("raw/erasures.json").Open());
            writer.Write("[]\n");
        }
        var tampered = await Provision("audit", "verify", pack, "--public-key", Path.Combine(_dir, "audit-key.pub"));
        Assert.Equal(1, tampered.ExitCode);
        Assert.Contains("FAIL  raw/erasures.json: SHA-256 is", tampered.StandardOutput);
        Assert.Contains("1 check(s) FAILED: raw/erasures.json", tampered.StandardOutput);
    }

    [Fact]
    public async Task The_standalone_verifier_a_dpo_runs_without_the_cli_says_the_same()
    {
        var key = AuditKey.Create();
        key.Save(Path.Combine(_dir, "audit-key"));
        var pack = Path.Combine(_dir, "pack.zip");
        new AuditPackWriter(HtmlReport.FromShippedTemplates(), new PdfReport()).Write(PackInputs.Example(), key, pack);

        var ok = await Verifier(pack, "--public-key", Path.Combine(_dir, "audit-key.pub"));
        Assert.Equal(0, ok.ExitCode);
        Assert.Contains("ok    index.html: signed by " + key.Public.Fingerprint, ok.StandardOutput);
        Assert.Contains("pack.zip: intact", ok.StandardOutput);

        using (var zip = ZipFile.Open(pack, ZipArchiveMode.Update))
        {
            zip.GetEntry("report.pdf")!.Delete();
            using var writer = new StreamWriter(zip.CreateEntry("report.pdf").Open());
            writer.Write("%PDF-1.4 forged");
        }
        var tampered = await Verifier(pack);
        Assert.Equal(1, tampered.ExitCode);
        Assert.Contains("FAIL  report.pdf: SHA-256 is", tampered.StandardOutput);
        Assert.Equal(2, (await Verifier(Path.Combine(_dir, "nope.zip"))).ExitCode);
        Assert.Equal(2, (await Verifier()).ExitCode);
    }

    [Fact]
    public async Task A_pack_language_other_than_en_or_de_is_refused_before_the_box_is_read()
    {
        var result = await Provision("audit", "pack", "-c", Path.Combine(PackInputs.Root, "appliance.yaml"), "--target", "sandbox:" + Path.Combine(_dir, "no-box"),
            "--language", "fr");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--language 'fr' is not a pack language (expected en or de)", result.StandardError);
        Assert.False(Directory.Exists(Path.Combine(_dir, "no-box")));
    }

    [Fact]
    public async Task A_missing_pack_exits_2()
    {
        var result = await Provision("audit", "verify", Path.Combine(_dir, "nope.zip"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("does not exist", result.StandardError);
    }

    private static Task<CommandResult> Verifier(params string[] arguments) =>
        new LocalCommandRunner().RunAsync(Command.Of("dotnet", [Path.Combine(AppContext.BaseDirectory, "appliance-audit-verify.dll"), .. arguments]));

    private static Task<CommandResult> Provision(params string[] arguments) =>
        new LocalCommandRunner().RunAsync(Command.Of("dotnet", [Path.Combine(AppContext.BaseDirectory, "provision.dll"), .. arguments]));
}
