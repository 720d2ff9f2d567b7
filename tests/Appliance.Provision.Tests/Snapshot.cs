using Appliance.Provision.Resources;

namespace Appliance.Provision.Tests;

/// <summary>
/// Approved-snapshot files (Verify.Xunit is not available here): the approved text lives in
/// Snapshots/NAME.approved; a mismatch writes NAME.received beside it and fails with a diff.
/// To accept a change: review the diff, then move .received over .approved.
/// </summary>
public static class Snapshot
{
    public static string Folder => Path.Combine(TestBox.RepositoryRoot, "tests", "Appliance.Provision.Tests", "Snapshots");

    public static void Match(string name, string actual)
    {
        var approved = Path.Combine(Folder, name + ".approved");
        var received = Path.Combine(Folder, name + ".received");
        var expected = File.Exists(approved) ? File.ReadAllText(approved) : null;
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }
        File.WriteAllText(received, actual);
        Assert.Fail(expected is null
            ? $"no approved snapshot {approved}; wrote {received} — review it and rename it to .approved"
            : $"{name} differs from its approved snapshot (wrote {received}):\n{LineDiff.Of(expected, actual, 60)}");
    }
}
