using System.CommandLine;
using Appliance.Config;
using Appliance.Provision.Models;
using Spectre.Console;

namespace Appliance.Provision.Cli;

/// <summary>`provision models pull|import|verify`: the model files apply ships, kept on this machine first.</summary>
internal static class ModelCommands
{
    public static Command Create()
    {
        var models = new Command("models", "fetch, import and check the model files the config pins (kept in .cache/models beside the config, shipped by apply)");
        models.Subcommands.Add(Pull());
        models.Subcommands.Add(Import());
        models.Subcommands.Add(Verify());
        return models;
    }

    private static Option<DirectoryInfo?> Folder() => new("--to") { Description = "where the model files are kept (default: .cache/models beside the config)" };

    private static IEnumerable<(string Role, ModelSpec Spec)> Pinned(ApplianceConfig config)
    {
        yield return ("chat", config.Models.Chat);
        yield return ("embedding", config.Models.Embedding);
        if (config.Models.Reranker is { } r) yield return ("reranker", r);
    }

    private static Command Pull()
    {
        var file = CommonOptions.ConfigFile();
        var to = Folder();
        var command = new Command("pull", """
            Download every model the config pins from its source (https), resuming after a dropped
            connection, checking free space first and the SHA-256 at the end; a file only appears
            under its name once it matches. Exit codes: 0 all present, 1 a download failed.
            """) { file, to };
        command.SetAction(async (parse, ct) =>
        {
            var config = Load(parse.GetValue(file)!);
            if (config is null) return 1;
            var folder = parse.GetValue(to)?.FullName ?? ProvisioningSession.DefaultModelCache(parse.GetValue(file)!.FullName);
            using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            var download = new ModelDownload(http);
            var failed = 0;
            foreach (var (role, spec) in Pinned(config))
            {
                var destination = Path.Combine(folder, Path.GetFileName(spec.File));
                if (spec.Source is null) { Console.Error.WriteLine($"{role}: {spec.Name} has no source: use `provision models import PATH`"); failed++; continue; }
                try
                {
                    var outcome = await WithProgressAsync(spec.Name, p => download.FetchAsync(spec.Source, destination, spec.Sha256.Hex, p, ct));
                    Console.WriteLine($"{role}: {spec.Name} {outcome} → {destination}");
                }
                catch (Exception e) when (e is ModelDownloadException or HttpRequestException or IOException)
                {
                    Console.Error.WriteLine($"{role}: {spec.Name}: {e.Message}");
                    failed++;
                }
            }
            return failed == 0 ? 0 : 1;
        });
        return command;
    }

    private static async Task<string> WithProgressAsync(string name, Func<IProgress<DownloadProgress>, Task<string>> run)
    {
        if (Console.IsOutputRedirected)
        {
            var last = -1L;
            return await run(new Progress<DownloadProgress>(p =>
            {
                var percent = p.Total is > 0 ? p.Bytes * 100 / p.Total.Value : -1;
                if (percent / 10 != last / 10) { Console.WriteLine($"  {name}: {(percent >= 0 ? percent + " %" : p.Bytes + " bytes")}{(p.Resumed ? " (resumed)" : "")}"); last = percent; }
            }));
        }
        var result = "";
        await AnsiConsole.Progress().StartAsync(async context =>
        {
            var task = context.AddTask(Markup.Escape(name), maxValue: 1);
            result = await run(new Progress<DownloadProgress>(p =>
            {
                if (p.Total is > 0) { task.MaxValue = p.Total.Value; task.Value = p.Bytes; }
            }));
            task.Value = task.MaxValue;
        });
        return result;
    }

    private static Command Import()
    {
        var file = CommonOptions.ConfigFile();
        var to = Folder();
        var path = new Argument<FileInfo>("PATH") { Description = "a model file from a USB stick or another offline copy" };
        var command = new Command("import", """
            Copy a model file you already have into the model folder, if its SHA-256 is one the config
            pins (it prints the SHA-256 either way, so you can pin a new model). Exit codes: 0 imported, 1 not pinned.
            """) { path, file, to };
        command.SetAction(async (parse, ct) =>
        {
            var config = Load(parse.GetValue(file)!);
            if (config is null) return 1;
            var source = parse.GetValue(path)!;
            if (!source.Exists) { Console.Error.WriteLine($"{source.FullName}: no such file"); return 1; }
            var sha = await ModelDownload.Sha256OfAsync(source.FullName, ct);
            var match = Pinned(config).FirstOrDefault(m => m.Spec.Sha256.Hex == sha);
            if (match.Spec is null)
            {
                Console.Error.WriteLine($"{source.Name}: SHA-256 {sha} is not pinned by any model in the config; to use it, set a model's sha256 to this value");
                return 1;
            }
            var folder = parse.GetValue(to)?.FullName ?? ProvisioningSession.DefaultModelCache(parse.GetValue(file)!.FullName);
            Directory.CreateDirectory(folder);
            var destination = Path.Combine(folder, Path.GetFileName(match.Spec.File));
            File.Copy(source.FullName, destination + ".partial", overwrite: true);
            File.Move(destination + ".partial", destination, overwrite: true);
            Console.WriteLine($"{match.Role}: {match.Spec.Name} imported (sha256 {sha}) → {destination}");
            return 0;
        });
        return command;
    }

    private static Command Verify()
    {
        var file = CommonOptions.ConfigFile();
        var to = Folder();
        var command = new Command("verify", "Check that every pinned model is in the model folder with its SHA-256. Exit codes: 0 all good, 1 missing or different.") { file, to };
        command.SetAction(async (parse, ct) =>
        {
            var config = Load(parse.GetValue(file)!);
            if (config is null) return 1;
            var folder = parse.GetValue(to)?.FullName ?? ProvisioningSession.DefaultModelCache(parse.GetValue(file)!.FullName);
            var bad = 0;
            foreach (var (role, spec) in Pinned(config))
            {
                var path = Path.Combine(folder, Path.GetFileName(spec.File));
                var status = !File.Exists(path) ? "missing" : await ModelDownload.Sha256OfAsync(path, ct) == spec.Sha256.Hex ? "ok" : "SHA-256 differs";
                if (status != "ok") bad++;
                Console.WriteLine($"{(status == "ok" ? "pass" : "FAIL")}  {role}  {spec.Name}  {path}: {status}");
            }
            return bad == 0 ? 0 : 1;
        });
        return command;
    }

    private static ApplianceConfig? Load(FileInfo file)
    {
        var result = ConfigLoader.Load(file.FullName);
        if (result.IsValid) return result.Config;
        foreach (var error in result.Errors) Console.Error.WriteLine(error);
        return null;
    }
}
