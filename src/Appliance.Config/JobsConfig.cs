using System.Net;

namespace Appliance.Config;

// appliance.yaml's jobs: people's background jobs and the admin's digests.
/// <summary>
/// Jobs: named tasks over documents that run at the background class, one document at a time, now
/// or in the quiet hours; their results are documents of the person who asked. Digests: the admin's
/// nightly summary of each listed collection's new documents, for the recipient groups.
/// </summary>
public sealed record JobSettings
{
    [Doc("hours in the box's time zone when jobs for tonight, daily jobs and digests run; unset = rag.sync.quiet_hours, else 22:00–06:00")]
    public QuietHours? QuietHours { get; init; }

    [Doc("most tokens a job writes about one document"), Range(16, 2048)]
    public int TokensPerDocument { get; init; } = 384;

    [Doc("most documents one job reads (a larger selection is refused with its count)"), Range(1, 10000)]
    public int MaxDocuments { get; init; } = 500;

    [Doc("jobs one person may have waiting or running at once"), Range(1, 100)]
    public int PerPerson { get; init; } = 10;

    [Doc("a nightly digest of new documents per collection, for groups; off by default")]
    public DigestSettings Digests { get; init; } = new();

    /// <summary>The quiet hours jobs run in: their own, else the sync's, else <see cref="QuietHours.Night"/>.</summary>
    public QuietHours NightIn(RagSettings rag) => QuietHours ?? rag.Sync.QuietHours ?? Config.QuietHours.Night;
}

public sealed record DigestSettings
{
    [Doc("whether the box writes the digests every night in the quiet hours")]
    public bool Enabled { get; init; }

    [Doc("collections (rag.collections ids) that get a digest of their documents added since the last one")]
    public IReadOnlyList<string> Collections { get; init; } = [];

    [Doc("groups (auth.groups ids) that read the digests; each must be allowed to read every listed collection")]
    public IReadOnlyList<string> Recipients { get; init; } = [];
}
