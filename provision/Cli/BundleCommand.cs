using System.CommandLine;
using CommandException = Appliance.Exec.CommandException;
using LocalCommandRunner = Appliance.Exec.LocalCommandRunner;
using Appliance.Provision.Bundle;

namespace Appliance.Provision.Cli;

/// <summary>`provision bundle`: the agent and its native libraries, built here for the box's runtime.</summary>
internal static class BundleCommand
{
    public static Command Create()
    {
        var runtime = new Option<string>("--runtime", "-r") { Description = "runtime identifier of the box (osx-arm64 for a Mac Studio; linux-x64 to try it here)", DefaultValueFactory = _ => "osx-arm64" };
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "the bundle folder to write", DefaultValueFactory = _ => new DirectoryInfo(".cache/bundle") };
        var repo = new Option<DirectoryInfo?>("--repo") { Description = "the Appliance source tree (default: found above this program or the current folder)" };
        var command = new Command("bundle", """
            Build what the box runs so it needs neither .NET nor Node: `dotnet publish` of the agent,
            self-contained for --runtime, plus the pinned native llama.cpp libraries (fetched with
            npm pack, integrity checked), with MANIFEST.sha256 over every file. The osx-arm64
            runtime packs must be reachable from your NuGet source. Exit codes: 0 built, 1 failed.
            """) { runtime, output, repo };
        command.SetAction(async (parse, ct) =>
        {
            var root = parse.GetValue(repo)?.FullName ?? AgentBundle.FindRepository(AppContext.BaseDirectory) ?? AgentBundle.FindRepository(Environment.CurrentDirectory);
            if (root is null) { Console.Error.WriteLine("cannot find the Appliance source tree: pass --repo"); return 1; }
            try
            {
                var bundle = await new AgentBundle(new LocalCommandRunner(), root).BuildAsync(parse.GetValue(runtime)!, parse.GetValue(output)!.FullName,
                    new Progress<string>(Console.WriteLine), ct);
                Console.WriteLine($"bundle for {bundle.RuntimeId}: {bundle.Files.Count} files in {bundle.Folder} ({BuiltBundle.Manifest} lists their SHA-256)");
                return 0;
            }
            catch (Exception e) when (e is BundleException or CommandException)
            {
                Console.Error.WriteLine(e.Message);
                return 1;
            }
        });
        return command;
    }
}
