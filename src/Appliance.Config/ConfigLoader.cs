using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Appliance.Config;

/// <summary>The outcome of loading a config: the config when it is valid, every error otherwise.</summary>
public sealed record ConfigLoadResult(ApplianceConfig? Config, IReadOnlyList<ConfigError> Errors, ConfigLocations Locations, string Directory)
{
    public bool IsValid => Config is not null && Errors.Count == 0;

    /// <summary>The config, or an exception listing every error.</summary>
    public ApplianceConfig Require() =>
        IsValid ? Config! : throw new InvalidConfigException(Errors);
}

public sealed class InvalidConfigException(IReadOnlyList<ConfigError> errors)
    : Exception("invalid configuration:\n" + string.Join('\n', errors))
{
    public IReadOnlyList<ConfigError> Errors { get; } = errors;
}

/// <summary>Loads appliance.yaml strictly: all errors at once, each with file, line, column and field.</summary>
public static class ConfigLoader
{
    /// <param name="modelFolders">
    /// Further folders where model files may wait, e.g. the provisioning machine's model cache from
    /// which they are shipped to the box. A model file must exist in one of them or where the box keeps it.
    /// </param>
    public static ConfigLoadResult Load(string path, IReadOnlyList<string>? modelFolders = null)
    {
        var shown = Path.GetRelativePath(Environment.CurrentDirectory, Path.GetFullPath(path));
        if (shown.StartsWith("..", StringComparison.Ordinal)) shown = path;
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var error = new ConfigError(shown, 1, 1, "", $"cannot read the file: {e.Message}");
            return new ConfigLoadResult(null, [error], new ConfigLocations(shown), Path.GetDirectoryName(Path.GetFullPath(path))!);
        }
        return LoadText(text, shown, Path.GetDirectoryName(Path.GetFullPath(path))!, modelFolders);
    }

    /// <param name="fileName">How errors name the file.</param>
    /// <param name="directory">The folder relative paths in the config are resolved against.</param>
    public static ConfigLoadResult LoadText(string text, string fileName, string directory, IReadOnlyList<string>? modelFolders = null)
    {
        var locations = new ConfigLocations(fileName);
        text = text.TrimStart('\uFEFF');
        if (ShapeProblem(text, fileName) is { } shape)
            return new ConfigLoadResult(null, [shape], locations, directory);

        var stream = new YamlStream();
        var parser = new Parser(new StringReader(text));
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            var message = (e.InnerException?.Message ?? e.Message).Replace("\n", " ");
            var error = new ConfigError(fileName, (int)e.Start.Line, (int)e.Start.Column, "", $"YAML syntax: {message}");
            return new ConfigLoadResult(null, [error], locations, directory);
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this on some unterminated flow collections; the last event
            // it parsed is the closest position we have.
            var at = parser.Current?.End ?? Mark.Empty;
            var error = new ConfigError(fileName, (int)Math.Max(at.Line, 1), (int)Math.Max(at.Column, 1), "",
                "YAML syntax: the text after this point cannot be parsed (an unclosed [ or { ?)");
            return new ConfigLoadResult(null, [error], locations, directory);
        }

        if (stream.Documents.Count != 1)
        {
            var error = new ConfigError(fileName, 1, 1, "", $"holds {stream.Documents.Count} YAML documents (expected exactly one)");
            return new ConfigLoadResult(null, [error], locations, directory);
        }

        var binder = new YamlBinder(locations);

        var config = binder.Bind(typeof(ApplianceConfig), stream.Documents[0].RootNode, "") as ApplianceConfig;
        var errors = binder.Errors.ToList();
        if (config is not null)
            errors.AddRange(ConfigRules.Check(config, locations, directory, modelFolders ?? []));
        errors.Sort((a, b) => a.Line != b.Line ? a.Line.CompareTo(b.Line) : a.Column.CompareTo(b.Column));
        return new ConfigLoadResult(errors.Count == 0 ? config : null, errors, locations, directory);
    }

    /// <summary>The deepest nesting a real config needs is about six levels; far more is hostile input.</summary>
    public const int MaxDepth = 32;

    public const int MaxBytes = 1 << 20;

    /// <summary>
    /// Walks the YAML event stream without building a tree (the tree builder recurses and a
    /// deeply nested file would overflow the stack, which no handler can catch) and rejects what
    /// a config never needs: huge files, deep nesting, and anchors/aliases (which also defuse
    /// "billion laughs" expansion).
    /// </summary>
    private static ConfigError? ShapeProblem(string text, string fileName)
    {
        if (text.Length > MaxBytes)
            return new ConfigError(fileName, 1, 1, "", $"is {text.Length / 1024} KiB (expected at most {MaxBytes / 1024} KiB for a config file)");
        var parser = new Parser(new StringReader(text));
        var depth = 0;
        try
        {
            while (parser.MoveNext())
            {
                var at = parser.Current!.Start;
                switch (parser.Current)
                {
                    case YamlDotNet.Core.Events.AnchorAlias alias:
                        return new ConfigError(fileName, (int)at.Line, (int)at.Column, "", $"YAML alias *{alias.Value} is not supported in appliance.yaml (expected the value written out)");
                    case YamlDotNet.Core.Events.NodeEvent { Anchor.IsEmpty: false } anchored:
                        return new ConfigError(fileName, (int)at.Line, (int)at.Column, "", $"YAML anchor &{anchored.Anchor} is not supported in appliance.yaml (expected the value written out)");
                    case YamlDotNet.Core.Events.SequenceStart or YamlDotNet.Core.Events.MappingStart:
                        if (++depth > MaxDepth)
                            return new ConfigError(fileName, (int)at.Line, (int)at.Column, "", $"nests deeper than {MaxDepth} levels (expected a config shaped like the example)");
                        break;
                    case YamlDotNet.Core.Events.SequenceEnd or YamlDotNet.Core.Events.MappingEnd:
                        depth--;
                        break;
                }
            }
        }
        catch (YamlException)
        {
            return null; // Syntax errors are reported with their position by the full load below.
        }
        catch (InvalidOperationException)
        {
            return null;
        }
        return null;
    }
}
