using System.Globalization;

namespace Appliance.Audit.Pack;

/// <summary>
/// Where signed packs wait for the DPO: a folder in the agent's data folder that the nightly job
/// (root, which alone can read the signing key) writes and the agent (which cannot sign) only reads
/// and offers for download. The nightly job keeps the newest <see cref="Keep"/>.
/// </summary>
public static class PackShelf
{
    /// <summary>The shelf, relative to the data folder.</summary>
    public const string RelativeFolder = "audit/packs";

    public const int Keep = 14;

    /// <summary>When the nightly LaunchDaemon runs (box time).</summary>
    public const int NightlyHour = 2;
    public const int NightlyMinute = 30;

    public static string NightlyTime => $"{NightlyHour:00}:{NightlyMinute:00}";

    /// <summary>Packs sort by name in the order they were made.</summary>
    public static string FileName(string hostname, DateTimeOffset createdAt) =>
        $"audit-pack-{hostname}-{createdAt.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.zip";

    /// <summary>
    /// A name that can only be a pack on the shelf: letters, digits, dot, dash, underscore, ending
    /// in .zip, not starting with a dot — so no separator, no "..", nothing outside the folder.
    /// </summary>
    public static bool IsPackName(string? name) =>
        name is { Length: > 4 and <= 200 } && name.EndsWith(".zip", StringComparison.Ordinal) && name[0] != '.'
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_');
}
