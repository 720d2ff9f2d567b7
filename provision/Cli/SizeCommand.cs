using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Appliance.Config;
using Appliance.Provision.Controls;
using Appliance.Provision.Sizing;
using Spectre.Console;

namespace Appliance.Provision.Cli;

/// <summary>`provision size`: will this model fit this Mac, and how fast will it answer this many people?</summary>
internal static class SizeCommand
{
    public static Command Create()
    {
        var chip = new Option<string>("--chip") { Description = "m1-max … m5-max", Required = true };
        var memory = new Option<int>("--memory") { Description = "unified memory in GB", Required = true };
        var model = new Option<string>("--model") { Description = "a known model name (see below) or a GGUF file", Required = true };
        var users = new Option<int>("--users") { Description = "people asking at the same time", DefaultValueFactory = _ => 1 };
        var context = new Option<int>("--context") { Description = "context tokens per person (KV cache)", DefaultValueFactory = _ => 8192 };
        var embedding = new Option<string>("--embedding")
        {
            Description = "the embedding model loaded beside it (a known name or a GGUF file; `none` to leave it out)",
            DefaultValueFactory = _ => "bge-m3",
        };
        var json = CommonOptions.Json();
        var command = new Command("size", Help()) { chip, memory, model, users, context, embedding, json };
        command.SetAction(parse =>
        {
            var chipText = parse.GetValue(chip)!;
            var chipValue = Enum.GetValues<Chip>().Cast<Chip?>().FirstOrDefault(c => ConfigNames.EnumValue(c!.Value) == chipText);
            if (chipValue is null)
            {
                Console.Error.WriteLine($"--chip {chipText}: expected one of {string.Join(", ", Enum.GetValues<Chip>().Select(c => ConfigNames.EnumValue(c)))}");
                return 1;
            }
            var shape = Shape(parse.GetValue(model)!);
            if (shape is null)
            {
                Console.Error.WriteLine($"--model {parse.GetValue(model)}: not a known model ({string.Join(", ", Catalog.Models.Select(m => m.Name))}) and not a file");
                return 1;
            }
            var embeddingName = parse.GetValue(embedding)!;
            var embeddingShape = embeddingName == "none" ? null : Shape(embeddingName);
            if (embeddingName != "none" && embeddingShape is null)
            {
                Console.Error.WriteLine($"--embedding {embeddingName}: not a known model ({string.Join(", ", Catalog.Models.Select(m => m.Name))}), not a file, not `none`");
                return 1;
            }
            var usersValue = parse.GetValue(users);
            if (usersValue < 1 || parse.GetValue(memory) < 8) { Console.Error.WriteLine("--users must be ≥ 1 and --memory ≥ 8"); return 1; }
            var estimate = SizeEstimate.For(chipValue.Value, parse.GetValue(memory), shape, usersValue, parse.GetValue(context), embeddingShape);
            if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(estimate, VerifyReport.Options));
            else Print(estimate);
            return estimate.Fits ? 0 : 2;
        });
        return command;
    }

    private static ModelShape? Shape(string model)
    {
        if (!File.Exists(model)) return Catalog.Find(model);
        var bytes = new FileInfo(model).Length;
        if (Catalog.Find(Path.GetFileNameWithoutExtension(model)) is { } named)
            return named with { TotalParamsB = bytes * 8 / named.BitsPerWeight / 1e9, ActiveParamsB = named.ActiveParamsB };
        // Unknown file: assume a dense model (every weight read per token) with a typical KV size.
        return new ModelShape(Path.GetFileName(model), bytes * 8 / 4.85 / 1e9, bytes * 8 / 4.85 / 1e9, 4.85, 4.85, 131072, false, "unknown file, assumed dense");
    }

    private static void Print(SizeEstimate e)
    {
        var lines = new[]
        {
            ("machine", $"{ConfigNames.EnumValue(e.Chip)}, {e.MemoryGb} GB, {Catalog.BandwidthGBps[e.Chip]:0} GB/s"),
            ("model", $"{e.Model.Name} ({e.Model.Note})"),
            ("weights", $"{e.WeightsGb:0.0} GB"),
            ("embedding model", e.Embedding is { } embedding ? $"{embedding.Name} {e.EmbeddingGb:0.00} GB ({embedding.Note})" : "none"),
            ("KV cache", $"{e.KvGb:0.0} GB for {e.Users} × {e.ContextTokens} tokens"),
            ("GPU wired limit", $"{e.WiredLimitGb:0.0} GB ({e.ReserveGb:0.0} GB kept for macOS)"),
            ("fits", e.Fits ? "yes" : "NO — fewer users, shorter context or a smaller model"),
            ("single-stream decode", $"{e.SingleStreamTokS:0} tok/s"),
            ($"per person at {e.Users} at once", $"{e.PerUserTokS:0.0} tok/s ({e.AggregateTokS:0} tok/s in total)"),
        };
        if (!Console.IsOutputRedirected)
        {
            var table = new Table().AddColumn("").AddColumn("estimate");
            foreach (var (k, v) in lines) table.AddRow(Markup.Escape(k), Markup.Escape(v));
            AnsiConsole.Write(table);
        }
        else foreach (var (k, v) in lines) Console.WriteLine($"{k,-28} {v}");
    }

    private static string Help()
    {
        var text = new StringBuilder("""
            Will a model fit this Mac, and how fast will it answer? Fit: weights + the embedding model's
            weights (--embedding, default bge-m3) + KV cache (users × context) ≤ GPU wired limit (RAM
            minus a macOS reserve of 15 %, at least 8 GB). Speed: one
            token reads the active weights once: bandwidth × 0.75 ÷ bytes per token, plus 8 ms fixed
            cost per token; concurrent users slow each step (MoE +36 % per extra user, dense +12 %).
            Exit codes: 0 fits, 2 does not fit, 1 bad input.

            Calibration (published Mac Studio figures vs. this model, single person unless noted):

            """);
        foreach (var c in Catalog.Calibrations)
        {
            var e = SizeEstimate.For(c.Chip, 256, Catalog.Find(c.Model)!, c.Users, 4096);
            text.AppendLine(CultureInfo.InvariantCulture, $"  {ConfigNames.EnumValue(c.Chip),-9} {c.Model,-14} {c.Users,2} user(s): published {c.LowTokS:0}–{c.HighTokS:0}, predicted {e.PerUserTokS:0.0} tok/s");
        }
        text.Append("Known models: ").Append(string.Join(", ", Catalog.Models.Select(m => m.Name)));
        return text.ToString();
    }
}
