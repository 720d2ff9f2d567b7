namespace Appliance.Agent.Metrics;

/// <summary>
/// Where the agent's memory is: resident set, the managed heap and SQLite's own allocations.
/// A box runs for years; when RSS grows, these say which part grows without attaching a debugger.
/// </summary>
public static class ProcessMemory
{
    public static void WriteTo(PrometheusText text)
    {
        var gc = GC.GetGCMemoryInfo();
        text.Gauge("process_resident_memory_bytes", "resident set size of the agent process", Environment.WorkingSet);
        text.Gauge("dotnet_gc_heap_size_bytes", "managed heap size after the last garbage collection", gc.HeapSizeBytes);
        text.Gauge("dotnet_gc_committed_bytes", "memory the garbage collector has committed from the OS", gc.TotalCommittedBytes);
        text.Gauge("dotnet_gc_fragmented_bytes", "free space inside the managed heap after the last collection", gc.FragmentedBytes);
        text.Counter("dotnet_gc_collections_total", "garbage collections of generation 2 since start", GC.CollectionCount(2));
        text.Gauge("appliance_sqlite_memory_bytes", "memory SQLite holds (page caches, prepared statements) across all connections",
            SQLitePCL.raw.sqlite3_memory_used());
    }
}
