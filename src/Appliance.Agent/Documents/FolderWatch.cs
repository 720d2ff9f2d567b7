using Appliance.Agent.Hosting;
using Appliance.Config;

namespace Appliance.Agent.Documents;

/// <summary>
/// Keeps every collection in step with its source folders without anyone asking: a sync at start,
/// a sync of a collection once a change in its folders has settled (a file still being written or
/// copied keeps moving the moment on), and a full sync every <c>rag.sync.interval_minutes</c> —
/// inside the quiet hours when they are set — for what notifications miss (network shares, an
/// overflowing notification buffer, a folder that appeared later).
/// </summary>
public sealed class FolderWatch(ApplianceConfig config, AgentOptions options, IngestionJobs jobs, TimeProvider clock, ILogger<FolderWatch> log)
    : BackgroundService
{
    /// <summary>However busy a folder stays, a changed collection waits at most this many settle periods.</summary>
    private const int MaxSettlePeriods = 10;

    private readonly SyncSettings _settings = config.Rag.Sync;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (DateTimeOffset First, DateTimeOffset Last)> _changed = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _signal = new(0);
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly HashSet<string> _watched = new(StringComparer.Ordinal);

    /// <summary>Source folders being watched for changes now (for /metrics and the Indexing page).</summary>
    public int WatchedFolders { get { lock (_gate) return _watched.Count; } }

    /// <summary>Source folders that could not be watched (missing, unreadable); the periodic sync still covers them.</summary>
    public IReadOnlyList<string> Unwatched
    {
        get
        {
            lock (_gate) return [.. Folders().Select(f => f.Folder).Where(f => !_watched.Contains(f))];
        }
    }

    public DateTimeOffset? NextFullSync { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_settings.Enabled) return;
        Watch();
        jobs.Request(null, SyncTrigger.Start);
        var interval = TimeSpan.FromMinutes(_settings.IntervalMinutes);
        NextFullSync = clock.GetUtcNow() + interval;
        var settle = TimeSpan.FromSeconds(_settings.SettleSeconds);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var now = clock.GetUtcNow();
                if (now >= NextFullSync)
                {
                    if (InQuietHours(now))
                    {
                        Watch();   // folders that appeared since (a share mounted late) are watched from now on
                        jobs.Request(null, SyncTrigger.Periodic);
                        NextFullSync = now + interval;
                    }
                    else
                    {
                        NextFullSync = now + TimeSpan.FromMinutes(1);   // look again when the quiet hours may have begun
                    }
                }
                var wake = NextFullSync.Value;
                lock (_gate)
                {
                    foreach (var (collection, (first, last)) in _changed.ToList())
                    {
                        var due = Min(last + settle, first + settle * MaxSettlePeriods);
                        if (due <= now)
                        {
                            _changed.Remove(collection);
                            jobs.Request(collection, SyncTrigger.Change);
                        }
                        else if (due < wake) wake = due;
                    }
                }
                var delay = wake - clock.GetUtcNow();
                if (delay > TimeSpan.Zero)
                {
                    using var timer = new CancellationTokenSource(delay, clock);
                    using var wakeUp = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timer.Token);
                    try
                    {
                        await _signal.WaitAsync(wakeUp.Token);
                    }
                    catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                    {
                        // the wake-up time came
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // the agent stops
        }
    }

    public override void Dispose()
    {
        lock (_gate)
        {
            foreach (var watcher in _watchers) watcher.Dispose();
            _watchers.Clear();
        }
        _signal.Dispose();
        base.Dispose();
    }

    private bool InQuietHours(DateTimeOffset now) =>
        _settings.QuietHours is not { } quiet || quiet.Contains(TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, clock.LocalTimeZone).DateTime));

    private IEnumerable<(string Collection, string Folder)> Folders() =>
        config.Rag.Collections.SelectMany(c => c.Sources.Select(s => (c.Id, Path.GetFullPath(ConfigPaths.CollectionSource(options.ConfigDirectory, s)))));

    private void Watch()
    {
        foreach (var (collection, folder) in Folders())
        {
            lock (_gate)
                if (_watched.Contains(folder)) continue;
            if (!Directory.Exists(folder)) continue;
            try
            {
                var watcher = new FileSystemWatcher(folder)
                {
                    IncludeSubdirectories = true,
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
                    InternalBufferSize = 64 * 1024,
                };
                watcher.Created += (_, e) => Changed(collection, e.Name);
                watcher.Changed += (_, e) => Changed(collection, e.Name);
                watcher.Deleted += (_, e) => Changed(collection, e.Name);
                watcher.Renamed += (_, e) => { Changed(collection, e.OldName); Changed(collection, e.Name); };
                watcher.Error += (_, e) => Overflowed(collection, folder, e.GetException());
                watcher.EnableRaisingEvents = true;
                lock (_gate)
                {
                    _watchers.Add(watcher);
                    _watched.Add(folder);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or PlatformNotSupportedException)
            {
                log.LogWarning("cannot watch {Folder} for changes ({Reason}); the periodic sync covers it", folder, e.Message);
            }
        }
    }

    private void Changed(string collection, string? name)
    {
        // Hidden files and Office's lock files (~$Brief.docx) come and go with every edit; no sync reads them.
        var file = Path.GetFileName(name ?? "");
        if (file.StartsWith('.') || file.StartsWith("~$", StringComparison.Ordinal)) return;
        var now = clock.GetUtcNow();
        lock (_gate)
            _changed[collection] = _changed.TryGetValue(collection, out var seen) ? (seen.First, now) : (now, now);
        // One pending wake-up is enough: the loop looks at every changed collection when it wakes.
        if (_signal.CurrentCount == 0) _signal.Release();
    }

    private void Overflowed(string collection, string folder, Exception error)
    {
        // Too many changes at once for the notification buffer: some were lost, so the whole collection is synced.
        log.LogWarning("change notifications for {Folder} overflowed ({Reason}); syncing the collection", folder, error.Message);
        Changed(collection, null);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
