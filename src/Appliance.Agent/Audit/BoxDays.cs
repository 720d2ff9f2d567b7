using System.Globalization;

namespace Appliance.Agent.Audit;

/// <summary>A period the DPO picks as days on the box's calendar (its time zone), for every filter on the DPO's pages.</summary>
public static class BoxDays
{
    /// <summary>
    /// From the first day's midnight to the midnight after the last day, in the box's zone; either end
    /// may be open. False when a day is not YYYY-MM-DD or the period runs backwards.
    /// </summary>
    public static bool TryParse(string? from, string? to, TimeProvider clock, out DateTimeOffset? start, out DateTimeOffset? end)
    {
        start = end = null;
        if (!string.IsNullOrEmpty(from))
        {
            if (!DateOnly.TryParseExact(from, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)) return false;
            start = Midnight(day, clock);
        }
        if (!string.IsNullOrEmpty(to))
        {
            if (!DateOnly.TryParseExact(to, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)) return false;
            end = Midnight(day.AddDays(1), clock);   // the whole of the last day
        }
        return !(start > end);
    }

    /// <summary>A time as the box's clock on the wall shows it, with its offset (for files a person opens).</summary>
    public static string Local(DateTimeOffset at, TimeProvider clock) =>
        TimeZoneInfo.ConvertTime(at, clock.LocalTimeZone).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    private static DateTimeOffset Midnight(DateOnly day, TimeProvider clock)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, clock.LocalTimeZone.GetUtcOffset(local));
    }
}

/// <summary>CSV as spreadsheets read it, safely: every export of the DPO's pages writes through this.</summary>
public static class Csv
{
    public static string Line(IEnumerable<string> cells) => string.Join(',', cells.Select(Cell)) + "\r\n";

    /// <summary>A CSV cell, quoted where needed; a cell a spreadsheet would run as a formula is defused with a leading apostrophe.</summary>
    public static string Cell(string value)
    {
        if (value.Length > 0 && "=+-@\t\r".Contains(value[0])) value = "'" + value;
        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
