using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Appliance.Audit.Pack;
using Appliance.Provision.Apply;
using Appliance.Provision.Desired;
using Appliance.Provision.Targets;
using Appliance.Provision.Resources;

namespace Appliance.Provision.AuditPack;

/// <summary>What shelving a pack did: where it is on the box, and which older packs made room.</summary>
public sealed record ShelvedPack(string Path, IReadOnlyList<string> Removed);

/// <summary>
/// Puts a signed pack on the box's shelf (data/audit/packs), where the agent — which cannot sign —
/// offers it for the DPO's download: owned by root, readable by the agent's group, never writable
/// by it. Keeps the newest <see cref="PackShelf.Keep"/> packs the nightly job shelved; a file list
/// (shelf.json) remembers them, since the shelf is read through the target like every other file.
/// </summary>
public static class PackShelfOnBox
{
    public const string IndexName = "shelf.json";

    public static async Task<ShelvedPack> ShelveAsync(ITarget target, Layout layout, string localPack, CancellationToken ct, int keep = PackShelf.Keep)
    {
        var name = Path.GetFileName(localPack);
        if (!PackShelf.IsPackName(name)) throw new ArgumentException($"'{name}' is not a pack name the agent would serve", nameof(localPack));
        var shelf = layout.PackShelf;
        var index = shelf + "/" + IndexName;
        var runner = new StepRunner(target);
        var sha = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(localPack, ct)));
        await RunAsync(runner, new MakeDirectory(layout.AgentAudit, Layout.Account, Layout.Account, Modes.FolderOwnerOnly) { Resource = "audit pack shelf" }, ct);
        await RunAsync(runner, new MakeDirectory(shelf, "root", Layout.Account, Modes.FolderGroupReads) { Resource = "audit pack shelf" }, ct);
        await RunAsync(runner, new CopyFile(localPack, shelf + "/" + name, sha, "root", Layout.Account, Modes.FileGroupReads) { Resource = "audit pack shelf" }, ct);

        var known = await target.ReadFileAsync(index, ct) is { } json ? Names(json) : [];
        var all = known.Append(name).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var removed = all.Take(Math.Max(0, all.Count - keep)).ToList();
        foreach (var old in removed)
            await RunAsync(runner, new RemovePath(shelf + "/" + old, Recursive: false) { Resource = "audit pack shelf" }, ct);
        var kept = all.Skip(removed.Count).ToList();
        await RunAsync(runner, new WriteFile(index, JsonSerializer.SerializeToUtf8Bytes(kept), "root", Layout.Account, Modes.FileGroupReads) { Resource = "audit pack shelf" }, ct);
        return new ShelvedPack(shelf + "/" + name, removed);
    }

    private static List<string> Names(byte[] json)
    {
        try
        {
            return [.. (JsonSerializer.Deserialize<List<string>>(json) ?? []).Where(PackShelf.IsPackName)];
        }
        catch (JsonException)
        {
            return [];  // a damaged list only means older packs are not pruned this time
        }
    }

    private static async Task RunAsync(StepRunner runner, Step step, CancellationToken ct)
    {
        var result = await runner.RunAsync(step, ct);
        if (!result.Succeeded) throw new IOException($"cannot shelve the audit pack: {result.Step}: {result.Detail}");
    }
}
