using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Scriban;
using Scriban.Parsing;
using Scriban.Runtime;

namespace Appliance.Audit.Render;

/// <summary>What a template produces, and so how every value put into it is escaped.</summary>
public enum OutputLanguage
{
    /// <summary>XML (launchd plists): values are XML-escaped; in comments use <c>xml_comment</c>.</summary>
    Xml,

    /// <summary>HTML (the audit report): values are HTML-escaped; <c>raw</c> inserts markup the program made itself.</summary>
    Html,

    /// <summary>
    /// A config file (pf rules, sshd): a value must be one safe token the config loader has already
    /// validated (an address, a subnet, a port, a label); free text only in comments, through <c>comment</c>.
    /// </summary>
    ConfigTokens,
}

/// <summary>
/// One Scriban template. Its first line declares its output language, e.g. <c>{{~ # output: xml ~}}</c>,
/// and every value the template writes is escaped for that language: a template cannot forget to.
/// The model's property names are kept as written (Scriban would rename them to snake_case).
/// Output is UTF-8 text with "\n" line ends, the same bytes for the same model.
/// </summary>
public sealed partial class TextTemplate
{
    private readonly Template template;

    private TextTemplate(string name, OutputLanguage language, Template template)
    {
        Name = name;
        Language = language;
        this.template = template;
    }

    public string Name { get; }
    public OutputLanguage Language { get; }

    /// <exception cref="FormatException">the template declares no output language or does not parse (with file:line:col).</exception>
    public static TextTemplate Parse(string text, string name)
    {
        text = text.ReplaceLineEndings("\n");
        var declaration = Declaration().Match(text);
        if (!declaration.Success)
            throw new FormatException($"{name}:1:1: the template must declare its output language on its first line: {{{{~ # output: xml|html|config ~}}}}");
        var language = declaration.Groups[1].Value switch
        {
            "xml" => OutputLanguage.Xml,
            "html" => OutputLanguage.Html,
            _ => OutputLanguage.ConfigTokens,
        };
        var parsed = Template.Parse(text, name);
        if (parsed.HasErrors) throw new FormatException(string.Join("; ", parsed.Messages.Select(m => m.ToString())));
        return new TextTemplate(name, language, parsed);
    }

    public static TextTemplate Load(string file) => Parse(File.ReadAllText(file), file);

    /// <param name="functions">extra functions the template may call by name (e.g. the pack's <c>t "key"</c>); what they return is escaped like any value</param>
    public string Render(object model, IReadOnlyDictionary<string, Delegate>? functions = null)
    {
        var globals = new ScriptObject();
        if (model is IDictionary<string, object?> values)
            foreach (var (key, value) in values) globals[key] = value;
        else globals.Import(model, renamer: KeepName);
        foreach (var (name, function) in functions ?? new Dictionary<string, Delegate>()) globals.Import(name, function);
        globals.Import("comment", new Func<object?, Markup>(v => new Markup(OneLine(Text(v)))));
        globals.Import("xml_comment", new Func<object?, Markup>(v => new Markup(XmlComment(Text(v)))));
        globals.Import("raw", new Func<object?, Markup>(v => Language == OutputLanguage.Html
            ? new Markup(Text(v))
            : throw new InvalidOperationException($"{Name}: raw is for HTML the program made itself, not for {Language}")));
        var context = new EscapingContext(this) { MemberRenamer = KeepName, AutoIndent = false, NewLine = "\n", StrictVariables = true };
        context.PushGlobal(globals);
        try
        {
            return template.Render(context).ReplaceLineEndings("\n");
        }
        catch (Scriban.Syntax.ScriptRuntimeException e) when (e.InnerException is FormatException refused)
        {
            // The value check's own message names template:line:col; Scriban's wrapper would repeat it.
            throw refused;
        }
    }

    private static string KeepName(System.Reflection.MemberInfo member) => member.Name;

    private static string Text(object? value) => value switch
    {
        null => "",
        Markup m => m.Text,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>A line break in a comment would start a rule or a directive.</summary>
    public static string OneLine(string text) => new([.. text.Select(c => char.IsControl(c) ? ' ' : c)]);

    /// <summary>XML comments may not contain "--" nor end with "-": the text is escaped and those are split.</summary>
    public static string XmlComment(string text)
    {
        var escaped = Escape(OneLine(text), OutputLanguage.Xml);
        while (escaped.Contains("--", StringComparison.Ordinal)) escaped = escaped.Replace("--", "- -", StringComparison.Ordinal);
        return escaped.EndsWith('-') ? escaped + " " : escaped;
    }

    public static string Escape(string text, OutputLanguage language)
    {
        if (language == OutputLanguage.ConfigTokens) return text;
        var result = new StringBuilder(text.Length);
        foreach (var c in text)
            result.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#x27;",
                '`' when language == OutputLanguage.Html => "&#x60;",
                '=' when language == OutputLanguage.Html => "&#x3D;",
                _ => c.ToString(),
            });
        return result.ToString();
    }

    [GeneratedRegex(@"\A\{\{~ # output: (xml|html|config) ~\}\}\n")]
    private static partial Regex Declaration();

    [GeneratedRegex(@"\A[A-Za-z0-9_.:/@+,%-]+\z")]
    private static partial Regex SafeToken();

    /// <summary>Text a template function made safe for the output language already.</summary>
    public sealed record Markup(string Text)
    {
        public override string ToString() => Text;
    }

    /// <summary>Escapes every value a template writes; literal template text is written as is.</summary>
    private sealed class EscapingContext(TextTemplate owner) : TemplateContext
    {
        public override TemplateContext Write(SourceSpan span, object? textAsObject)
        {
            if (textAsObject is null) return this;
            if (textAsObject is Markup markup) return Write(markup.Text);
            var text = textAsObject is bool b ? (b ? "true" : "false") : Text(textAsObject);
            if (owner.Language == OutputLanguage.ConfigTokens && !SafeToken().IsMatch(text))
                throw new FormatException($"{owner.Name}:{span.Start.Line + 1}:{span.Start.Column + 1}: '{text}' is not a single safe token " +
                                          "for a config file (only validated addresses, subnets, ports and names; free text only through `comment`)");
            return Write(Escape(text, owner.Language));
        }
    }
}
