using System.Text.Json;
using System.Text.RegularExpressions;
using Appliance.Agent.Web;

namespace Appliance.Agent.Tests;

/// <summary>The DPO's workbench speaks German, French and Italian as fully as English: every key, every placeholder.</summary>
public sealed partial class PageStringsTests
{
    private static Dictionary<string, string> Strings(string language) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(PageStrings.Resource($"strings/{language}.json"))!;

    [Fact]
    public void Every_workbench_string_the_page_uses_exists_in_every_language_with_the_same_placeholders()
    {
        var page = PageStrings.Resource("app.js") + PageStrings.Resource("index.html");
        var used = Key().Matches(page).Select(m => m.Groups[1].Value).Where(k => !k.EndsWith('.')).ToHashSet();
        var english = Strings("en");
        var workbench = english.Keys.Where(k => k.StartsWith("dpoDesk.", StringComparison.Ordinal)).ToList();
        Assert.True(workbench.Count > 40, $"only {workbench.Count} workbench strings");
        Assert.True(used.Count > 30, $"the page uses only {used.Count} workbench strings: is the pattern still right?");
        Assert.DoesNotContain(used, k => !english.ContainsKey(k));
        foreach (var language in PageStrings.Languages.Skip(1))
        {
            var strings = Strings(language);
            foreach (var key in workbench.Append("nav.security").Append("nav.requests"))
            {
                Assert.True(strings.ContainsKey(key), $"{language} lacks {key}");
                Assert.Equal(Placeholders(english[key]), Placeholders(strings[key]));
            }
        }
    }

    private static string[] Placeholders(string text) => [.. Placeholder().Matches(text).Select(m => m.Value).Order(StringComparer.Ordinal)];

    [GeneratedRegex(@"(?:data-t(?:-placeholder)?=""|\bt\(')(dpoDesk\.[\w.]+)")]
    private static partial Regex Key();

    [GeneratedRegex(@"\{\w+\}")]
    private static partial Regex Placeholder();
}
