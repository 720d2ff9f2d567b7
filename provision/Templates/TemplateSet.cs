using System.Text;
using Appliance.Audit.Render;

namespace Appliance.Provision.Templates;

/// <summary>
/// The Scriban templates in templates/ (copied beside the program). Each declares its output
/// language on its first line and every value is escaped for it (see <see cref="TextTemplate"/>):
/// XML for plists, and for pf and sshd files only single tokens the config loader validated (free
/// text only in comments). Output is UTF-8 with "\n" line ends, byte-for-byte the same for the same model.
/// </summary>
public sealed class TemplateSet
{
    public const string Extension = ".sbn";

    private readonly Dictionary<string, TextTemplate> templates = new(StringComparer.Ordinal);

    private TemplateSet(string folder)
    {
        Folder = folder;
        foreach (var file in Directory.GetFiles(folder, "*" + Extension))
            templates[Path.GetFileNameWithoutExtension(file)] = TextTemplate.Load(file);
    }

    public string Folder { get; }

    /// <summary>Templates beside the program (templates/), or from $APPLIANCE_TEMPLATES.</summary>
    public static TemplateSet Load(string? folder = null)
    {
        folder ??= Environment.GetEnvironmentVariable("APPLIANCE_TEMPLATES") ?? Path.Combine(AppContext.BaseDirectory, "templates");
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"templates folder not found: {folder}");
        return new TemplateSet(folder);
    }

    /// <summary>The output language a template declares.</summary>
    public OutputLanguage LanguageOf(string name) => Get(name).Language;

    /// <param name="name">The template's file name without .sbn, e.g. "pf-anchor.conf".</param>
    public byte[] Render(string name, object model) => Encoding.UTF8.GetBytes(Get(name).Render(model));

    private TextTemplate Get(string name) =>
        templates.TryGetValue(name, out var template) ? template : throw new KeyNotFoundException($"no template {name}{Extension} in {Folder}");
}
