namespace Appliance.Config.Tests;

/// <summary>The source tree the tests run from: the folder holding appliance.yaml and provision/.</summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "appliance.yaml")) && Directory.Exists(Path.Combine(dir.FullName, "provision")))
                return dir.FullName;
        throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }
}
