using Appliance.Config;

namespace Appliance.Provision.Desired;

/// <summary>
/// How much unified memory Metal may wire (iogpu.wired_limit_mb). macOS cannot turn swap off with
/// SIP on, so the limit leaves macOS a reserve (15 % of RAM, at least 8 GB) instead of the
/// default ~2/3–3/4; community practice is 80–90 % of RAM.
/// </summary>
public static class MemoryBudget
{
    public static int ReserveMb(int memoryGb) => Math.Max(8192, (int)(memoryGb * 1024L * 15 / 100));

    public static int WiredLimitMb(ApplianceConfig config) =>
        config.Inference.GpuWiredLimitMb.Value ?? (config.Machine.MemoryGb * 1024 - ReserveMb(config.Machine.MemoryGb)) / 1024 * 1024;
}
