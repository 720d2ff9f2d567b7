namespace Appliance.TestModels;

/// <summary>Finds the generated test models (`make setup` writes them to .cache/models) for tests in any project.</summary>
public static class TestModels
{
    public static string Folder { get; } = Locate();

    public static string TinyChat => PathOf(TestModelSpec.TinyChat);
    public static string TinyEmbed => PathOf(TestModelSpec.TinyEmbed);
    public static string Bench100MF16 => PathOf(TestModelSpec.Bench100MF16);

    public static string PathOf(TestModelSpec spec)
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
