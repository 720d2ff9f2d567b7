using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Appliance.Config;

namespace Appliance.Audit.Text;

/// <summary>
/// Every word of an audit pack a person reads, in the pack's language (audit/Text/en.json, de.json,
/// embedded), with times in the box's time zone and numbers written the language's way. The
/// programs run without ICU culture data, so the patterns are spelled out here rather than taken
/// from a CultureInfo.
/// </summary>
/// <remarks>
/// German numbers group digits with a narrow no-break space (1 234 567) and use a decimal comma:
/// the same pack goes to Swiss and German auditors, and each country's own grouping sign misleads
/// the other (de-DE writes 1.234 for a thousand, de-CH 1'234; a Swiss reader takes 1.234 for one
/// and a bit). The space is what ISO 80000-1, DIN 5008 and the Swiss Federal Chancellery's style
/// guide all accept, and the comma is the decimal sign of both outside currency amounts.
/// </remarks>
public sealed partial class PackText
{
    private readonly IReadOnlyDictionary<string, string> strings;

    private PackText(ReportLanguage language, TimeZoneInfo zone, IReadOnlyDictionary<string, string> strings)
    {
        Language = language;
        Zone = zone;
        this.strings = strings;
    }

    public ReportLanguage Language { get; }

    /// <summary>The box's time zone: every time in the pack is shown in it.</summary>
    public TimeZoneInfo Zone { get; }

    /// <summary>The zone's IANA name (Europe/Zurich), as printed in the pack's header.</summary>
    public string ZoneName => Zone.HasIanaId ? Zone.Id : TimeZoneInfo.TryConvertWindowsIdToIanaId(Zone.Id, out var iana) ? iana : Zone.Id;

    /// <summary>The language code: "en", "de" (also the HTML lang attribute).</summary>
    public string Code => ConfigNames.EnumValue(Language);

    /// <summary>The sections of a pack, in order: index.html's anchors and the keys of their titles (section.ID).</summary>
    public static readonly IReadOnlyList<string> SectionIds =
        ["system", "dataflow", "network", "controls", "journal", "backup", "ropa", "toms", "dpia", "aiact", "usage", "erasures", "limitations"];

    public IReadOnlyList<string> Sections() => [.. SectionIds.Select(id => Get("section." + id))];

    /// <summary>The text of a pack from what its evidence says of it (language and time zone).</summary>
    public static PackText Of(Evidence.PackInfo pack)
    {
        var language = Enum.GetValues<ReportLanguage>().FirstOrDefault(l => ConfigNames.EnumValue(l) == pack.Language);
        TimeZoneInfo zone;
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(pack.TimeZone);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            zone = TimeZoneInfo.Utc;
        }
        return For(language, zone);
    }

    /// <summary>
    /// A kind the agent counts (a query outcome, a sign-in outcome) in the pack's language: the
    /// agent's English name stays the key in evidence.json, a kind without a translation is shown as is.
    /// </summary>
    public string Kind(string kind) => strings.TryGetValue("kind." + kind, out var text) ? text : kind;

    /// <summary>
    /// An Art. 32(1) item as the language cites it: "GDPR Art. 32(1)(b)", "Art. 32 Abs. 1 lit. b DSGVO".
    /// evidence.json keeps the label the measures define ("Art. 32(1)(b)").
    /// </summary>
    public string Article32(string label) =>
        Art32Label().Match(label) is { Success: true } m ? Get("art32", ("letter", m.Groups[1].Value)) : label;

    [GeneratedRegex(@"^Art\. 32\(1\)\(([a-d])\)$")]
    private static partial Regex Art32Label();

    public static PackText For(ReportLanguage language, TimeZoneInfo? zone = null) =>
        new(language, zone ?? TimeZoneInfo.Utc, Load(ConfigNames.EnumValue(language)));

    /// <summary>Every key of one language's file, so a test can hold the languages to the same set.</summary>
    public static IReadOnlyDictionary<string, string> Strings(ReportLanguage language) => Load(ConfigNames.EnumValue(language));

    /// <summary>The string for <paramref name="key"/>, with {name} placeholders filled from <paramref name="values"/>.</summary>
    public string Get(string key, params (string Name, object? Value)[] values)
    {
        var text = strings.TryGetValue(key, out var found) ? found
            : throw new KeyNotFoundException($"the audit pack has no {Code} text '{key}' (audit/Text/{Code}.json)");
        if (values.Length == 0) return text;
        var map = values.ToDictionary(v => v.Name, v => Format(v.Value), StringComparer.Ordinal);
        return Placeholder().Replace(text, m => map.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);
    }

    public string this[string key] => Get(key);

    /// <summary>Yes or no, in the pack's language.</summary>
    public string YesNo(bool value) => Get(value ? "common.yes" : "common.no");

    /// <summary>A moment in the box's time zone: 2026-11-20 19:30 (en), 20.11.2026 19:30 (de).</summary>
    public string Time(DateTimeOffset at) =>
        TimeZoneInfo.ConvertTime(at, Zone).ToString(Get("format.time"), CultureInfo.InvariantCulture);

    /// <summary>A calendar day: 2026-11-20 (en), 20.11.2026 (de).</summary>
    public string Day(DateOnly day) => day.ToString(Get("format.day"), CultureInfo.InvariantCulture);

    /// <summary>A period FROM..TO as the pack writes it.</summary>
    public string Period(DateOnly from, DateOnly to) => Get("format.period", ("from", Day(from)), ("to", Day(to)));

    /// <summary>A whole number with the language's digit grouping.</summary>
    public string Number(long n)
    {
        var digits = Math.Abs(n).ToString(CultureInfo.InvariantCulture);
        var grouped = new StringBuilder();
        for (var i = 0; i < digits.Length; i++)
        {
            if (i > 0 && (digits.Length - i) % 3 == 0) grouped.Append(Get("format.group"));
            grouped.Append(digits[i]);
        }
        return (n < 0 ? "-" : "") + grouped;
    }

    /// <summary>A number with <paramref name="decimals"/> places, grouped, with the language's decimal sign.</summary>
    public string Decimal(double value, int decimals)
    {
        var rounded = Math.Round(value, decimals, MidpointRounding.AwayFromZero);
        var whole = (long)Math.Truncate(rounded);
        var fraction = Math.Abs(rounded - whole).ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        var sign = rounded < 0 && whole == 0 ? "-" : "";
        return decimals == 0 ? sign + Number(whole) : sign + Number(whole) + Get("format.decimal") + fraction[2..];
    }

    /// <summary>A size in bytes as a person reads it: 1,5 GB (de), 1.5 GB (en).</summary>
    public string Bytes(long bytes) => bytes switch
    {
        < 1024 => Get("format.bytes", ("n", Number(bytes))),
        < 1024L * 1024 => Decimal(bytes / 1024.0, 1) + " KB",
        < 1024L * 1024 * 1024 => Decimal(bytes / (1024.0 * 1024), 1) + " MB",
        _ => Decimal(bytes / (1024.0 * 1024 * 1024), 1) + " GB",
    };

    private string Format(object? value) => value switch
    {
        null => "",
        int i => Number(i),
        long l => Number(l),
        DateTimeOffset at => Time(at),
        DateOnly day => Day(day),
        _ => value.ToString() ?? "",
    };

    private static IReadOnlyDictionary<string, string> Load(string code)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"audit/text/{code}.json")
            ?? throw new InvalidOperationException($"the audit pack's {code} text is missing from the build");
        return JsonSerializer.Deserialize<Dictionary<string, string>>(stream)
            ?? throw new InvalidDataException($"audit/text/{code}.json is empty");
    }

    [GeneratedRegex(@"\{(\w+)\}")]
    private static partial Regex Placeholder();
}
