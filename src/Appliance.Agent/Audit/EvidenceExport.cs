using Appliance.Agent.Identity;
using Appliance.Audit.Evidence;
using Appliance.Config;
using Appliance.Rag;

namespace Appliance.Agent.Audit;

/// <summary>
/// The agent's part of the audit pack, built from its live stores: queries counted per day,
/// collection and role (never their text), how they ended, sign-ins, access denials, retention
/// purges, the erasure log (who, when, which document by path and content hash — never the text;
/// the pack shows the path only where a DPO account may read the collection), and the query-log
/// chain for the period with its verification. Written atomically to
/// data/audit/agent-evidence.json, where the nightly pack (root) picks it up.
/// </summary>
public sealed class EvidenceExport(
    ApplianceConfig config, string dataFolder, QueryLog log, SecurityEvents events, DocumentLibrary library, IdentityStore identity, TimeProvider clock)
{
    public const string NoDocument = "(no document retrieved)";
    public const string FormerAccount = "(account no longer exists)";

    /// <summary>The role under which work nobody waited for (jobs, digests) is counted, apart from people's questions.</summary>
    public const string BackgroundWork = "background work (jobs, digests)";

    public string FilePath => Path.Combine(dataFolder, AgentEvidence.RelativePath);

    /// <summary>The retention window: everything the agent still holds.</summary>
    public AuditPeriod DefaultPeriod()
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        return new AuditPeriod(today.AddDays(-config.Privacy.RetentionDays), today);
    }

    /// <summary>Builds the evidence for the period (default: the retention window) and writes it to <see cref="FilePath"/>.</summary>
    public async Task<AgentEvidence> ExportAsync(AuditPeriod? period, CancellationToken ct)
    {
        var evidence = await BuildAsync(period ?? DefaultPeriod(), ct);
        await WriteAsync(evidence, FilePath, ct);
        return evidence;
    }

    private static string RoleOf(QueryLogEntry entry, Dictionary<string, string> roleOf) =>
        BackgroundRoutes.IsBackground(entry.Route) ? BackgroundWork
        : entry.User is { } user && roleOf.TryGetValue(user, out var role) ? role : FormerAccount;

    public async Task<AgentEvidence> BuildAsync(AuditPeriod period, CancellationToken ct)
    {
        var from = new DateTimeOffset(period.From.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var to = new DateTimeOffset(period.To.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var exportedAt = clock.GetUtcNow();

        var entries = await log.ReadBetweenAsync(from, to, ct);
        var collectionOf = await CollectionsByDocumentAsync(ct);
        var roleOf = (await identity.ListAsync(ct)).ToDictionary(u => u.Name,
            u => string.Join('+', u.Roles.Select(RoleNames.Of).Order(StringComparer.Ordinal)), StringComparer.Ordinal);

        var queries = entries.Where(e => e.Kind == EntryKinds.Query).ToList();
        var counts = queries
            .GroupBy(e => (Day: Day(e.At), Collection: CollectionLabel(e, collectionOf), Role: RoleOf(e, roleOf)))
            .Select(g => new UsageCount(g.Key.Day, g.Key.Collection, g.Key.Role, g.Count()))
            .OrderBy(c => c.Day).ThenBy(c => c.Collection, StringComparer.Ordinal).ThenBy(c => c.Role, StringComparer.Ordinal)
            .ToList();
        var outcomes = queries
            .GroupBy(e => (Day: Day(e.At), Kind: QueryOutcomes.Of(e.Status, e.DocumentIds.Count)))
            .Select(g => new DailyCount(g.Key.Day, g.Key.Kind, g.Count()))
            .OrderBy(c => c.Day).ThenBy(c => c.Kind, StringComparer.Ordinal)
            .ToList();

        var verdict = await log.VerifyAsync(ct);
        var chain = new ChainCheck(verdict.Intact, verdict.EntriesChecked, verdict.FirstBrokenSeq,
            verdict.Intact && verdict.EntriesChecked == 0 ? "the query log is empty" : verdict.ToString());

        var usage = new UsageFacts(counts, outcomes, await events.SignInsAsync(from, to, ct), await events.DenialsAsync(from, to, ct),
            chain, await events.PurgesAsync(from, to, ct));
        var erasures = (await library.ErasuresAsync(from, ct))
            .Where(e => e.ErasedAt < to)
            .Select(e => new ErasureFact(e.ErasedAt, e.ErasedBy, e.DocumentId, e.ContentHash, e.CollectionId, e.Chunks, e.Path))
            .ToList();
        var excerpt = entries.Select(e => new ChainEntry(e.Seq, e.PreviousHash, e.Hash, QueryLog.Canonical(e))).ToList();
        return new AgentEvidence(AgentEvidence.SchemaName, exportedAt, period.ToString(), ConfigNames.EnumValue(config.Privacy.QueryLog), usage, erasures, excerpt);
    }

    /// <summary>Temp file and rename in the same folder: the nightly job never reads half a file.</summary>
    public static async Task WriteAsync(AgentEvidence evidence, string path, CancellationToken ct)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(folder);
        else Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // Leftovers of an export the process did not live to finish (kill -9, power cut).
        foreach (var stale in Directory.EnumerateFiles(folder, Path.GetFileName(path) + ".*.partial")
                     .Where(f => File.GetLastWriteTimeUtc(f) < DateTime.UtcNow.AddHours(-1)))
            File.Delete(stale);
        var temp = $"{path}.{Guid.NewGuid():N}.partial";
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(evidence.ToJson()), ct);
                await stream.FlushAsync(ct);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private async Task<Dictionary<string, string>> CollectionsByDocumentAsync(CancellationToken ct)
    {
        var everyGroup = config.Rag.Collections.SelectMany(c => c.Groups).Distinct(StringComparer.Ordinal).ToList();
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var erased in await library.ErasuresAsync(null, ct)) map[erased.DocumentId] = erased.CollectionId;
        foreach (var document in await library.ListDocumentsAsync(everyGroup, ct)) map[document.Id] = document.CollectionId;
        return map;
    }

    /// <summary>The collections an answer drew on, so each query is counted once; "a+b" when it drew on several.</summary>
    private static string CollectionLabel(QueryLogEntry entry, IReadOnlyDictionary<string, string> collectionOf)
    {
        if (entry.DocumentIds.Count == 0) return NoDocument;
        return string.Join('+', entry.DocumentIds.Select(id => collectionOf.GetValueOrDefault(id, "(removed collection)"))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
    }

    private static DateOnly Day(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime);
}
