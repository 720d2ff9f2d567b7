using Appliance.Exec;
using Appliance.Provision.Bundle;

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
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(output)!, true);
        }
    }
}
