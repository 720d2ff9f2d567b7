using Appliance.Exec;
using Appliance.Provision.Apply;
using Appliance.Provision.Bundle;
using Appliance.Provision.Resources;
using Appliance.Provision.Targets;

namespace Appliance.Provision.Tests;

/// <summary>The bundle step, tried with linux-x64 (the osx-arm64 runtime packs are not on this machine's mirror).</summary>
public sealed class BundleTests
{
    [Fact]
    public async Task A_self_contained_linux_x64_bundle_runs_its_native_self_check_without_the_source_tree()
    {
        var output = Path.Combine(Directory.CreateTempSubdirectory("bundle-").FullName, "bundle");
        try
        {
            var bundle = await new AgentBundle(new LocalCommandRunner(), TestBox.RepositoryRoot).BuildAsync("linux-x64", output, null, CancellationToken.None);

            Assert.True(File.Exists(bundle.AgentProgram));
            Assert.Contains(bundle.Files.Keys, f => f.StartsWith("native/linux-x64/libllama", StringComparison.Ordinal));
            Assert.Contains("libcoreclr.so", bundle.Files.Keys);
            Assert.True(File.Exists(Path.Combine(output, BuiltBundle.Manifest)));

            // Run from the bundle, with no dotnet on PATH and no DOTNET_ROOT: self-contained.
            var check = await new LocalCommandRunner().RunAsync(Command.Of(bundle.AgentProgram, "selfcheck")
                .WithEnvironment("PATH", "/usr/bin:/bin").WithEnvironment("DOTNET_ROOT", null).WithEnvironment("APPLIANCE_NATIVE_DIR", null)
                .WithWorkingDirectory(output));
            Assert.True(check.Succeeded, check.StandardOutput + check.StandardError);
            Assert.Contains(Path.Combine(output, "native", "linux-x64"), check.StandardOutput + check.StandardError);

            // provision travels in the same bundle, with its templates, for the nightly verify job.
            Assert.Contains("provision", bundle.Files.Keys);
            Assert.Contains("templates/launchd-verify.plist.hbs", bundle.Files.Keys);
            var validate = await new LocalCommandRunner().RunAsync(Command.Of(Path.Combine(output, "provision"), "config", "validate", "-c", Path.Combine(TestBox.RepositoryRoot, "appliance.yaml"))
                .WithEnvironment("PATH", "/usr/bin:/bin").WithEnvironment("DOTNET_ROOT", null).WithWorkingDirectory(output));
            Assert.True(validate.Succeeded, validate.StandardOutput + validate.StandardError);

            // Installed on a (simulated) box: one archive, unpacked into bin, identified by the manifest's hash.
            using var box = new TestBox("bundle");
            await using var target = await SandboxTarget.OpenAsync(box.SandboxRoot, 64, new LocalCommandRunner(), CancellationToken.None);
            const string bin = "/Library/Application Support/Appliance/bin";
            (await target.RunAsync(Command.Of(MacTools.Install, "-d", "-o", "root", "-g", "wheel", "-m", "755", bin), CancellationToken.None)).EnsureSuccess();
            var program = new AgentProgram(output, bin);
            var before = await program.ReadAsync(new LiveBox(target, new HashSet<string>()), CancellationToken.None);
            Assert.Equal("not installed", before.Results[0].Observed);
            var step = Assert.Single(program.Converge(before));
            var result = await new StepRunner(target).RunAsync(step, CancellationToken.None);
            Assert.True(result.Succeeded, result.Detail);
            var after = await program.ReadAsync(new LiveBox(target, new HashSet<string>()), CancellationToken.None);
            Assert.True(after.Passed, after.Results[0].Observed);
            Assert.Equal(await File.ReadAllBytesAsync(bundle.AgentProgram), await File.ReadAllBytesAsync(box.HostPath(bin + "/appliance")));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(output)!, true);
        }
    }
}
