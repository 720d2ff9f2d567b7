using System.CommandLine;
using Appliance.Soak;

var seconds = new Option<int>("--seconds") { Description = "how long the load runs", DefaultValueFactory = _ => 600 };
var clients = new Option<int>("--clients") { Description = "concurrent users, each with its own token and groups", DefaultValueFactory = _ => 64 };
var queue = new Option<int>("--queue-limit") { Description = "the agent's inference queue limit (small, so overload is exercised)", DefaultValueFactory = _ => 16 };
var uploads = new Option<int>("--upload-percent") { Description = "share of requests that upload a document (0 to 100; the rest keeps ask : search : chat = 35 : 30 : 25)", DefaultValueFactory = _ => 10 };
var output = new Option<DirectoryInfo>("--out") { Description = "where soak.json and soak.md go", DefaultValueFactory = _ => new DirectoryInfo("bench/results") };
var root = new RootCommand("""
    soak — drive a real agent process on loopback with many users at once (streamed asks, searches,
    chat completions, uploads) and check what must always hold: no 5xx, 429 only with Retry-After,
    no request that never ends, no citation from a collection the caller may not read, RSS growth
    under 10 % after warm-up, the query-log chain intact, a clean drain on SIGTERM.
    Writes soak.json and soak.md; exit 0 when every invariant held, 1 otherwise.
    """) { seconds, clients, queue, uploads, output };
root.SetAction(async (parse, ct) =>
{
    var options = new SoakOptions(TimeSpan.FromSeconds(parse.GetValue(seconds)), parse.GetValue(clients), parse.GetValue(queue), UploadPercent: Math.Clamp(parse.GetValue(uploads), 0, 100));
    var report = await SoakRun.RunAsync(options, new Progress<string>(Console.WriteLine), ct);
    var folder = parse.GetValue(output)!;
    folder.Create();
    await File.WriteAllTextAsync(Path.Combine(folder.FullName, "soak.json"), report.ToJson(), ct);
    await File.WriteAllTextAsync(Path.Combine(folder.FullName, "soak.md"), report.ToMarkdown(), ct);
    Console.WriteLine();
    Console.WriteLine(report.ToMarkdown());
    Console.WriteLine($"written: {Path.Combine(folder.FullName, "soak.json")}, soak.md");
    return report.Passed ? 0 : 1;
});
var documents = new Option<int>("--documents") { Description = "documents dropped into the watched folder", DefaultValueFactory = _ => 1000 };
var rounds = new Option<int>("--rounds") { Description = "repetitions (a fresh agent each); medians are reported", DefaultValueFactory = _ => 3 };
var interference = new Command("interference", """
    Does indexing starve questions? One employee's /api/ask time to first token and /api/search latency
    on an idle agent, then while the agent's own sync indexes N new documents dropped into a watched
    folder (trained all-MiniLM-L6-v2 embeddings). Prints a table; writes sync.json.
    """) { documents, rounds, output };
interference.SetAction(async (parse, ct) =>
{
    var result = await SyncInterference.RunAsync(parse.GetValue(documents), parse.GetValue(rounds), new Progress<string>(Console.WriteLine), ct);
    var folder = parse.GetValue(output)!;
    folder.Create();
    var file = Path.Combine(folder.FullName, "sync.json");
    await File.WriteAllTextAsync(file, result.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }), ct);
    Console.WriteLine();
    Console.WriteLine(SyncInterference.Table(result));
    Console.WriteLine($"written: {file}");
    return 0;
});
root.Subcommands.Add(interference);
var threadCounts = new Option<string>("--threads") { Description = "llama.cpp thread counts, comma-separated", DefaultValueFactory = _ => "1,2" };
var concurrency = new Option<string>("--concurrency") { Description = "streamed clients at once, comma-separated", DefaultValueFactory = _ => "1,4,8,16" };
var perClient = new Option<int>("--requests-per-client") { Description = "requests each client sends, one after the other", DefaultValueFactory = _ => 2 };
var servingRuns = new Option<int>("--runs") { Description = "repetitions (a fresh agent each); medians are reported", DefaultValueFactory = _ => 3 };
var serving = new Command("serving", """
    What a client of /v1/chat/completions gets, beside the engine's limit: the agent as a real process on the
    ~100 M F16 bench model, N streamed clients (next request when the last ends) at each concurrency, aggregate
    generated tok/s, TTFT p50/p95, inter-token p95, against inference-bench's raw batched loop on the same model,
    prompt and output lengths in the same run. Prints a table; writes serving.json.
    """) { threadCounts, concurrency, perClient, servingRuns, output };
serving.SetAction(async (parse, ct) =>
{
    static int[] List(string text) => [.. text.Split(',').Select(n => int.Parse(n, System.Globalization.CultureInfo.InvariantCulture))];
    var result = await ServingBench.RunAsync(List(parse.GetValue(threadCounts)!), List(parse.GetValue(concurrency)!), parse.GetValue(perClient),
        parse.GetValue(servingRuns), new Progress<string>(Console.WriteLine), ct);
    var folder = parse.GetValue(output)!;
    folder.Create();
    var file = Path.Combine(folder.FullName, "serving.json");
    await File.WriteAllTextAsync(file, result.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }), ct);
    Console.WriteLine();
    Console.WriteLine(ServingBench.Table(result));
    Console.WriteLine($"written: {file}");
    return 0;
});
root.Subcommands.Add(serving);
return await root.Parse(args).InvokeAsync();
