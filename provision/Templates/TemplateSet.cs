using System.Text;
using HandlebarsDotNet;

namespace Appliance.Provision.Templates;

/// <summary>
/// The Handlebars templates in templates/ (copied beside the program). Plists are rendered with
/// XML escaping, everything else verbatim. Output is UTF-8 with "\n" line ends, byte-for-byte
/// the same for the same model.
/// </summary>
public sealed class TemplateSet
{
    private readonly Dictionary<string, HandlebarsTemplate<object, object>> templates = new(StringComparer.Ordinal);

    private TemplateSet(string folder)
    {
        Folder = folder;
        var xml = Handlebars.Create();
        var verbatim = Handlebars.Create(new HandlebarsConfiguration { NoEscape = true });
        foreach (var file in Directory.GetFiles(folder, "*.hbs"))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            var environment = name.EndsWith(".plist", StringComparison.Ordinal) ? xml : verbatim;
            templates[name] = environment.Compile(File.ReadAllText(file).ReplaceLineEndings("\n"));
        }
    }

    public string Folder { get; }

    /// <summary>Templates beside the program (templates/), or from $APPLIANCE_TEMPLATES.</summary>
    public static TemplateSet Load(string? folder = null)
    {
        folder ??= Environment.GetEnvironmentVariable("APPLIANCE_TEMPLATES") ?? Path.Combine(AppContext.BaseDirectory, "templates");
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"templates folder not found: {folder}");
        return new TemplateSet(folder);
    }

    /// <param name="name">The template's file name without .hbs, e.g. "pf-anchor.conf".</param>
    public byte[] Render(string name, object model)
    {
        if (!templates.TryGetValue(name, out var template))
            throw new KeyNotFoundException($"no template {name}.hbs in {Folder}");
        return Encoding.UTF8.GetBytes(template(model).ReplaceLineEndings("\n"));
    }
}
