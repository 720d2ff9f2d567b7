using System.Diagnostics;
using System.Text.Json;
using Appliance.Config;
using Appliance.Exec;
using Appliance.Rag.Extraction;
using Appliance.SampleDocs;

namespace Appliance.Rag.Bench;

/// <summary>
/// make bench-ocr: how fast and how well scans are read, and what the extraction child process costs.
/// Known texts (scan-texts/*.txt, German and English letters and reports) are rendered as 300 dpi scans
/// with grain and a slight turn (<see cref="ScanRenderer"/>), put into image-only PDFs, and read back
/// through the real extractor: Tesseract in the collection's language and in `auto` (all four office
/// languages). Word accuracy is 1 − word error rate against the known text. The child-process section
/// reads the same text PDFs in-process and through `appliance extract`.
/// </summary>
internal static class OcrBench
{
    private sealed record Page(string Quality, string Language, string Name, string[] Lines, string Pdf);

    /// <summary>How the paper was scanned: a flatbed at 300 dpi, or a fax at 200 dpi with more grain and a worse turn.</summary>
    private sealed record Quality(string Name, int Dpi, double Grain, double Degrees);

    private static readonly Quality[] Qualities = [new("scan", 300, 24, 1.0), new("fax", 200, 48, 2.0)];

    private sealed record OcrFigure(string Quality, string Language, string Collection, string Tesseract, int Pages, double PagesPerSecond,
        double WordAccuracy, double WorstPageAccuracy);

    public static async Task<int> RunAsync(string root, string output, int rounds, CancellationToken ct)
    {
        var loadBefore = LoadAverage();
        var work = Directory.CreateTempSubdirectory("bench-ocr-").FullName;
        try
        {
            var runner = new LocalCommandRunner();
            var settings = new OcrSettings();
            var program = settings.TesseractProgram(OperatingSystem.IsMacOS());
            var version = File.Exists(program) ? (await runner.RunAsync(Command.Of(program, "--version"), ct)).StandardOutput.Split('\n')[0].Trim() : null;
            if (version is null)
            {
                Console.Error.WriteLine($"no Tesseract at {program} ({TextRecognition.HowToInstall})");
                return 1;
            }
            var texts = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "scan-texts"), "*.txt").Order().ToList();
            var pages = Qualities.SelectMany(quality => texts.Select((file, i) =>
            {
                var name = $"{quality.Name}-{Path.GetFileNameWithoutExtension(file)}";
                var lines = File.ReadAllLines(file).Where(l => l.Trim().Length > 0).ToArray();
                var pdf = Path.Combine(work, name + ".pdf");
                // Each page lies a little differently on the glass, turned one way or the other.
                ScanRenderer.Write(lines, Path.Combine(work, name + ".png"), pdf, degrees: i % 2 == 0 ? quality.Degrees : -quality.Degrees,
                    noise: quality.Grain, seed: 100 + i, dpi: quality.Dpi);
                return new Page(quality.Name, Path.GetFileNameWithoutExtension(file).Split('-')[0], name, lines, pdf);
            })).ToList();

            Console.WriteLine($"{version} at {program}; {texts.Count} texts as {string.Join(" and ", Qualities.Select(q => $"{q.Name} ({q.Dpi} dpi, grain {q.Grain}, turned ±{q.Degrees}°)"))}; " +
                              $"{rounds} rounds; load average {loadBefore} on {Environment.ProcessorCount} cores");
            var figures = new List<OcrFigure>();
            var recognition = TextRecognition.From(settings, runner);
            foreach (var quality in Qualities)
            {
                foreach (var language in pages.Select(p => p.Language).Distinct())
                    foreach (var collection in new[] { Enum.Parse<DocumentLanguage>(language, ignoreCase: true), DocumentLanguage.Auto })
                    {
                        var reader = await recognition.ForAsync(collection, ct);
                        var extractor = new PdfExtractor(TextRecognition.Always(reader));
                        var mine = pages.Where(p => p.Quality == quality.Name && p.Language == language).ToList();
                        var rates = new List<double>();
                        var accuracies = new List<double>();
                        for (var round = 0; round < rounds; round++)
                        {
                            var clock = Stopwatch.StartNew();
                            foreach (var page in mine)
                            {
                                var document = await extractor.ExtractAsync(page.Pdf, collection, ct);
                                var read = string.Join(' ', document.Blocks.Select(b => b.Text));
                                if (round == 0) accuracies.Add(WordAccuracy(string.Join(' ', page.Lines), read));
                            }
                            rates.Add(mine.Count / clock.Elapsed.TotalSeconds);
                        }
                        var figure = new OcrFigure(quality.Name, language, collection.ToString().ToLowerInvariant(), reader.Languages ?? "-", mine.Count,
                            Math.Round(Median(rates), 3), Math.Round(accuracies.Average(), 4), Math.Round(accuracies.Min(), 4));
                        figures.Add(figure);
                        Console.WriteLine($"  {figure.Quality,-4} {figure.Language} as {figure.Collection,-4} (tesseract -l {figure.Tesseract,-19}) {figure.PagesPerSecond,6:0.000} pages/s  word accuracy {figure.WordAccuracy:P1} (worst page {figure.WorstPageAccuracy:P1})");
                    }
            }

            var child = await ChildProcessCostAsync(root, work, rounds, ct);
            var loadAfter = LoadAverage();
            Console.WriteLine($"  PDF text, {child.Files} files: in-process {child.InProcessMs:0} ms per file; in a warm `extract --serve` worker {child.WorkerMs:0} ms; " +
                              $"a new `appliance extract` process per file {child.ProcessPerFileMs:0} ms; load average after: {loadAfter}");

            var json = new
            {
                measured_at = DateTimeOffset.UtcNow,
                machine = new { cores = Environment.ProcessorCount, load_average_before = loadBefore, load_average_after = loadAfter, os = System.Runtime.InteropServices.RuntimeInformation.OSDescription },
                tesseract = new { version, program, threads_per_page = 1 },
                scans = new { qualities = Qualities.Select(q => new { name = q.Name, dpi = q.Dpi, grain = q.Grain, degrees = q.Degrees }), texts = texts.Count, rounds, note = "generated from scan-texts/*.txt; word accuracy = 1 − word error rate, punctuation ignored, case kept; pages/s is the median round, one page at a time" },
                ocr = figures.Select(f => new { quality = f.Quality, language = f.Language, collection_language = f.Collection, tesseract_languages = f.Tesseract, pages = f.Pages, pages_per_second = f.PagesPerSecond, word_accuracy = f.WordAccuracy, worst_page_word_accuracy = f.WorstPageAccuracy }),
                pdf_child_process = new { files = child.Files, pdf = "the sample handbook's it-security.pdf (6 pages)", in_process_ms_per_file = Math.Round(child.InProcessMs, 1), worker_ms_per_file = Math.Round(child.WorkerMs, 1), process_per_file_ms = Math.Round(child.ProcessPerFileMs, 1) },
            };
            Directory.CreateDirectory(Path.GetDirectoryName(output)!);
            await File.WriteAllTextAsync(output, JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }) + "\n", ct);
            Console.WriteLine($"wrote {output}");
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The sample handbook's PDF read in this process, in a warm worker, and by a new `appliance extract` process each: the price of isolation per file.</summary>
    private static async Task<(int Files, double InProcessMs, double WorkerMs, double ProcessPerFileMs)> ChildProcessCostAsync(string root, string work, int rounds, CancellationToken ct)
    {
        var agent = Path.Combine(root, "src", "Appliance.Agent", "bin", "Release", "net10.0", "appliance.dll");
        var pdf = Path.Combine(root, ".cache", "sample-office", "handbook", "it-security.pdf");
        const int files = 10;
        var inProcess = new PdfExtractor();
        var isolated = new IsolatedExtractor(Command.Of("dotnet", agent), [".pdf"], TextRecognition.None, new ExtractionLimits());
        var cold = Stopwatch.StartNew();
        for (var i = 0; i < files; i++)
            (await new LocalCommandRunner().RunAsync(Command.Of("dotnet", agent, IsolatedExtractor.Verb, pdf), ct)).EnsureSuccess();
        var processPerFile = cold.Elapsed.TotalMilliseconds / files;
        // Warm the parser's code and the worker once, as a running agent has.
        await inProcess.ExtractAsync(pdf, ct);
        await isolated.ExtractAsync(pdf, ct);
        var inside = new List<double>();
        var outside = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < files; i++) await inProcess.ExtractAsync(pdf, ct);
            inside.Add(clock.Elapsed.TotalMilliseconds / files);
            clock.Restart();
            for (var i = 0; i < files; i++) await isolated.ExtractAsync(pdf, ct);
            outside.Add(clock.Elapsed.TotalMilliseconds / files);
        }
        return (files, Median(inside), Median(outside), processPerFile);
    }

    /// <summary>1 − (substitutions + insertions + deletions) / reference words, by edit distance over words.</summary>
    internal static double WordAccuracy(string reference, string recognised)
    {
        var expected = Words(reference);
        var got = Words(recognised);
        var previous = Enumerable.Range(0, got.Length + 1).ToArray();
        for (var i = 1; i <= expected.Length; i++)
        {
            var current = new int[got.Length + 1];
            current[0] = i;
            for (var j = 1; j <= got.Length; j++)
                current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + (expected[i - 1] == got[j - 1] ? 0 : 1));
            previous = current;
        }
        return Math.Max(0, 1 - previous[got.Length] / (double)expected.Length);
    }

    private static string[] Words(string text) =>
        [.. text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(w => w.Trim(".,;:!?\"'()".ToCharArray())).Where(w => w.Length > 0)];

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
