using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Appliance.Agent.Web;

/// <summary>
/// The page's strings in every language (Web/Page/strings/*.json, embedded): the page gets them all
/// inlined; the box uses the same ones where it writes for a person (a conversation's export).
/// English is the fallback for a string a language lacks.
/// </summary>
public sealed partial class PageStrings
{
    /// <summary>One strings file each, English first.</summary>
    public static readonly IReadOnlyList<string> Languages = ["en", "de", "fr", "it"];

    private readonly Dictionary<string, Dictionary<string, string>> _byLanguage;

    public PageStrings()
    {
        _byLanguage = Languages.ToDictionary(l => l, l => JsonSerializer.Deserialize<Dictionary<string, string>>(Resource($"strings/{l}.json"))!);
    }

    /// <summary>Every language's strings as one JSON object ({"en": {…}, "de": {…}}), for the page.</summary>
    public string Json() => JsonSerializer.Serialize(_byLanguage);

    /// <summary>A language the page has, from a code like "de" or "de-CH"; English otherwise.</summary>
    public static string Language(string? code) =>
        code is { Length: >= 2 } && Languages.Contains(code[..2].ToLowerInvariant()) ? code[..2].ToLowerInvariant() : "en";

    /// <summary>The string in <paramref name="language"/> with {name} placeholders filled from <paramref name="values"/>.</summary>
    public string Get(string language, string key, IReadOnlyDictionary<string, string>? values = null)
    {
        var text = _byLanguage.GetValueOrDefault(language)?.GetValueOrDefault(key) ?? _byLanguage["en"].GetValueOrDefault(key)
            ?? throw new KeyNotFoundException($"the page has no string '{key}'");
        return values is null ? text : Placeholder().Replace(text, m => values.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);
    }

    public static string Resource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("page/" + name)
            ?? throw new InvalidOperationException($"the web page resource {name} is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"\{(\w+)\}")]
    private static partial Regex Placeholder();
}
