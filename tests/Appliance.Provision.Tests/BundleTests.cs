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
            // The bundle states the data schema its code reads, and the manifest covers that statement too.
            Assert.Contains(DataSchema.FileName, bundle.Files.Keys);
            var schema = DataSchema.ReadFromBundle(output)!;

            // Run from the bundle, with no dotnet on PATH and no DOTNET_ROOT: self-contained.
            var check = await new LocalCommandRunner().RunAsync(Command.Of(bundle.AgentProgram, "selfcheck")
                .WithEnvironment("PATH", "/usr/bin:/bin").WithEnvironment("DOTNET_ROOT", null).WithEnvironment("APPLIANCE_NATIVE_DIR", null)
                .WithWorkingDirectory(output));
            Assert.True(check.Succeeded, check.StandardOutput + check.StandardError);
            Assert.Contains(Path.Combine(output, "native", "linux-x64"), check.StandardOutput + check.StandardError);

            // The agent serves from the bundle: provision shares its folder, and their libraries must agree.
            var served = await ServesFromTheBundleAsync(bundle.AgentProgram, output);
            Assert.Equal(served, schema.Stores["library.db"]);  // what the bundle says is what its agent writes

            // provision travels in the same bundle, with its templates, for the nightly verify job.
            Assert.Contains("provision", bundle.Files.Keys);
            Assert.Contains("templates/launchd-verify.plist.sbn", bundle.Files.Keys);
            Assert.DoesNotContain(bundle.Files.Keys, f => f.StartsWith("simulated-macos", StringComparison.Ordinal));
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

    /// <returns>the schema version of the index the bundled agent created</returns>
    private static async Task<int> ServesFromTheBundleAsync(string program, string bundle)
    {
        var models = Path.Combine(TestBox.RepositoryRoot, ".cache", "models");
        string Sha(string file) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(models, file))));
        var folder = Directory.CreateTempSubdirectory("bundle-serve-").FullName;
        var config = Path.Combine(folder, "appliance.yaml");
        await File.WriteAllTextAsync(config, $"""
            appliance: {"{"} name: Bundle check, hostname: bundle.test.lan, admin_contact: it@bundle.example {"}"}
            machine: {"{"} chip: m3-ultra, memory_gb: 256 {"}"}
            network: {"{"} office_subnets: [127.0.0.0/8], dns_servers: [127.0.0.1], ntp_servers: [127.0.0.1], tls: {"{"} enabled: false {"}"} {"}"}
            models:
              chat: {"{"} name: tiny-chat (generated test model), file: tiny-chat.gguf, sha256: {Sha("tiny-chat.gguf")}, context_length: 2048, parallel: 1 {"}"}
              embedding: {"{"} name: tiny-embed (generated test model), file: tiny-embed.gguf, sha256: {Sha("tiny-embed.gguf")}, context_length: 512, parallel: 1 {"}"}
            inference: {"{"} backend: llama, threads: 1 {"}"}
            rag: {"{"} collections: [{"{"} id: notes, title: Notes, groups: [everyone], uploads: true {"}"}] {"}"}
            auth: {"{"} groups: [{"{"} id: everyone {"}"}], users: [{"{"} name: anna, roles: [employee, admin], groups: [everyone] {"}"}] {"}"}
            privacy: {"{"} controller: {"{"} name: Bundle, contact: o@bundle.example {"}"}, dpo: {"{"} name: D, contact: d@bundle.example {"}"}, query_log: hashed, legal_basis: testing {"}"}
            storage: {"{"} root: "{folder}/box", models: "{models}" {"}"}
            """);
        var port = FreePort();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var serve = new LocalCommandRunner().RunAsync(Command.Of(program, "serve", "--config", config, "--urls", $"http://127.0.0.1:{port}")
            .WithEnvironment("PATH", "/usr/bin:/bin").WithEnvironment("DOTNET_ROOT", null).WithEnvironment("APPLIANCE_NATIVE_DIR", null)
            .WithWorkingDirectory(bundle).WithTimeout(TimeSpan.FromMinutes(3)), cancel.Token);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            await Eventually(async () =>
            {
                if (serve.IsCompleted) { var ended = await serve; Assert.Fail($"the bundled agent exited with {ended.ExitCode}:\n{ended.StandardOutput}\n{ended.StandardError}"); }
                try { return (await http.GetAsync($"http://127.0.0.1:{port}/healthz")).IsSuccessStatusCode; }
                catch (HttpRequestException) { return false; }
                catch (TaskCanceledException) { return false; }
            }, TimeSpan.FromMinutes(3), "the bundled agent answers /healthz");
            await using var library = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(folder, "box", "data.noindex", "library.db")};Mode=ReadOnly;Pooling=False");
            await library.OpenAsync();
            await using var version = library.CreateCommand();
            version.CommandText = "PRAGMA user_version";
            return Convert.ToInt32(await version.ExecuteScalarAsync());
        }
        finally
        {
            await cancel.CancelAsync();
            try { await serve; } catch (OperationCanceledException) { } catch (CommandTimedOutException) { }
            Directory.Delete(folder, true);
        }
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
