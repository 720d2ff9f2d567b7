using System.Text.Json;
using System.Reflection;
using Appliance.Exec;

namespace Appliance.Provision.Tests;

/// <summary>bin/provision as people and scripts use it: exit codes, messages, JSON.</summary>
public sealed class CliTests
{
    private static readonly string Program = Path.Combine(AppContext.BaseDirectory, "provision.dll");

    /// <summary>provision from its own build folder, with every dependency it ships (the nightly pack needs them).</summary>
    internal static Task<CommandResult> ProvisionAsShipped(params string[] args) =>
        new LocalCommandRunner().RunAsync(Command.Of("dotnet", [typeof(CliTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .First(a => a.Key == "ProvisionProgram").Value!, .. args]).WithTimeout(TimeSpan.FromMinutes(5)));

    /// <summary>bin/provision with these arguments, as a person would type them.</summary>
    internal static Task<CommandResult> Provision(params string[] args) =>
        new LocalCommandRunner().RunAsync(Command.Of("dotnet", [Program, .. args]).WithTimeout(TimeSpan.FromMinutes(5)));

    [Fact]
    public async Task Plan_on_a_new_sandbox_says_simulated_macOS_and_exits_2_and_verify_fails_with_evidence()
    {
        using var box = new TestBox("cli");
        var plan = await Provision("plan", "-c", box.ConfigFile, "--target", box.Target, "--models-from", box.ModelCache);
        Assert.Equal(2, plan.ExitCode);
        Assert.Contains("simulated macOS", plan.StandardOutput);
        Assert.Matches(@"Plan: \d+ to create, \d+ to update, 0 to delete", plan.StandardOutput);

        var evidence = Path.Combine(box.Folder, "evidence.json");
        var verify = await Provision("verify", "-c", box.ConfigFile, "--target", box.Target, "--evidence", evidence);
        Assert.Equal(1, verify.ExitCode);
        Assert.Contains("FAIL  pf.enabled  pf firewall is enabled: expected enabled, observed disabled", verify.StandardOutput);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(evidence));
        Assert.Equal("appliance.verify-evidence/1", json.RootElement.GetProperty("schema").GetString());
        Assert.True(json.RootElement.GetProperty("simulated").GetBoolean());
        var control = json.RootElement.GetProperty("controls").EnumerateArray().First(c => c.GetProperty("id").GetString() == "pf.enabled");
        Assert.Equal("fail", control.GetProperty("status").GetString());
        Assert.Equal("disabled", control.GetProperty("observed").GetString());

        var apply = await Provision("apply", "-c", box.ConfigFile, "--target", box.Target);
        Assert.Equal(1, apply.ExitCode);
        Assert.Contains("add --yes", apply.StandardOutput);
    }

    [Fact]
    public async Task A_bad_config_is_reported_with_file_line_and_column_and_nothing_is_touched()
    {
        using var box = new TestBox("cli-bad");
        box.WriteConfig(box.BaseConfig().Replace("agent_port: 8443", "agent_port: 84430"));
        var plan = await Provision("apply", "-c", box.ConfigFile, "--target", box.Target, "--yes");
        Assert.Equal(1, plan.ExitCode);
        Assert.Matches(@"appliance\.yaml:\d+:\d+: network\.agent_port", plan.StandardOutput);
        Assert.False(Directory.Exists(box.SandboxRoot));
    }

    [Fact]
    public async Task The_local_target_is_refused_off_macOS_with_advice()
    {
        using var box = new TestBox("cli-local");
        var plan = await Provision("plan", "-c", box.ConfigFile, "--target", "local");
        Assert.Equal(1, plan.ExitCode);
        Assert.Contains("--target local provisions the Mac it runs on", plan.StandardOutput);
        Assert.DoesNotContain("   at ", plan.StandardOutput + plan.StandardError);
    }

    [Fact]
    public async Task Size_exits_0_when_it_fits_and_2_when_it_does_not()
    {
        var fits = await Provision("size", "--chip", "m3-ultra", "--memory", "256", "--model", "qwen3-30b-a3b", "--users", "12");
        Assert.Equal(0, fits.ExitCode);
        Assert.Contains("per person at 12 at once", fits.StandardOutput);
        var tight = await Provision("size", "--chip", "m4-max", "--memory", "64", "--model", "llama-3.3-70b", "--users", "12");
        Assert.Equal(2, tight.ExitCode);
    }

    [Fact]
    public async Task The_embedding_model_is_imported_from_a_usb_copy_under_its_configured_name_and_verified()
    {
        using var box = new TestBox("import");
        // The box's multilingual bge-m3, as an administrator brings it on a USB disk (random bytes pinned by the test box).
        var usb = Directory.CreateDirectory(Path.Combine(box.Folder, "usb")).FullName;
        var copy = Path.Combine(usb, "bge-m3-Q8_0.gguf");
        File.Move(Path.Combine(box.ModelCache, "embed.gguf"), copy);

        var import = await Provision("models", "import", copy, "-c", box.ConfigFile);
        Assert.Equal(0, import.ExitCode);
        Assert.Contains($"embedding: bge-m3 imported (sha256 {box.EmbeddingSha})", import.StandardOutput);
        Assert.True(File.Exists(Path.Combine(box.ModelCache, "embed.gguf")));
        Assert.Equal(0, (await Provision("models", "verify", "-c", box.ConfigFile)).ExitCode);

        File.AppendAllText(copy, "x");
        var unpinned = await Provision("models", "import", copy, "-c", box.ConfigFile);
        Assert.Equal(1, unpinned.ExitCode);
        Assert.Contains("is not pinned by any model in the config", unpinned.StandardError);
    }
}
