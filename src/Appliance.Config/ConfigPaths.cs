namespace Appliance.Config;

/// <summary>Where the files a config names live, resolved the way the agent and provisioner see them.</summary>
public static class ConfigPaths
{
    /// <summary>Relative paths in a config are relative to the folder that holds the config file.</summary>
    public static string Resolve(string configDirectory, string path) =>
        Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(configDirectory, path));

    public static string StorageRoot(ApplianceConfig config, string configDirectory) =>
        Resolve(configDirectory, config.Storage.Root);

    public static string ModelsFolder(ApplianceConfig config, string configDirectory) =>
        Resolve(StorageRoot(config, configDirectory), config.Storage.Models);

    public static string DataFolder(ApplianceConfig config, string configDirectory) =>
        Resolve(StorageRoot(config, configDirectory), config.Storage.Data);

    public static string ModelFile(ApplianceConfig config, ModelSpec model, string configDirectory) =>
        Resolve(ModelsFolder(config, configDirectory), model.File);

    public static string CollectionSource(string configDirectory, string source) => Resolve(configDirectory, source);
}
