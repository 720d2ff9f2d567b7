using Appliance.SampleDocs;

// Usage: sample-docs [SOURCES] [OUTPUT]; defaults: tests/sample-office → .cache/sample-office.
var root = args.Length == 2 ? null : SampleOffice.RepositoryRoot();
var sources = args.Length == 2 ? args[0] : Path.Combine(root!, "tests", "sample-office");
var output = args.Length == 2 ? args[1] : Path.Combine(root!, ".cache", "sample-office");
var files = SampleOffice.Generate(sources, output);
Console.WriteLine($"sample office: {files.Count} documents in {output}");
return 0;
