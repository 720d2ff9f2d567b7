namespace Appliance.TestModels;

/// <summary>Finds the generated test models and the converted trained one (`make setup` writes them to .cache/models) for tests in any project.</summary>
public static class TestModels
{
    public static string Folder { get; } = Locate();

    public static string TinyChat => PathOf(TestModelSpec.TinyChat);
    public static string TinyEmbed => PathOf(TestModelSpec.TinyEmbed);
    public static string Bench100MF16 => PathOf(TestModelSpec.Bench100MF16);

    /// <summary>The trained all-MiniLM-L6-v2, converted at setup: its vectors carry meaning.</summary>
    public static string MiniLm => PathOf(Conversion.TrainedModelSpec.MiniLm);

    public static string PathOf(IModelFile spec)
    {
        var path = Path.Combine(Folder, spec.FileName);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"test model {spec.FileName} is missing in {Folder}; run `make setup`", path);
    }

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, ".cache", "models");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException($"no .cache/models above {AppContext.BaseDirectory}; run `make setup`");
    }
}
