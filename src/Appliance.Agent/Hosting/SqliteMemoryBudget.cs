namespace Appliance.Agent.Hosting;

/// <summary>
/// One memory budget for every SQLite connection in the agent. Each pooled connection keeps its own
/// page cache (2 MiB by default), so under load the caches grew with the pool and the index
/// (the soak measured SQLite's share of RSS climbing for as long as it ran). The operating system's
/// file cache already holds the index pages; SQLite's copy only needs to cover the pages a query is
/// working on. Over the budget, SQLite recycles unused cache pages before it allocates more.
/// </summary>
public static class SqliteMemoryBudget
{
    public const long Bytes = 16L * 1024 * 1024;

    /// <summary>Call after the first connection has opened (that loads and initialises SQLite).</summary>
    public static void Apply() => SQLitePCL.raw.sqlite3_soft_heap_limit64(Bytes);
}
