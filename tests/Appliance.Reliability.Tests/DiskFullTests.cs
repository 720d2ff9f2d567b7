using Appliance.Exec;
using Appliance.Soak;
using Xunit.Abstractions;

namespace Appliance.Reliability.Tests;

/// <summary>
/// The data disk fills up in the middle of an ingest: a clear error, an index that is still
/// consistent, and once space returns the next run finishes. The data folder is a small tmpfs the
/// test mounts itself (these machines run tests as root).
/// </summary>
public sealed class DiskFullTests(ITestOutputHelper output)
{
    private const int Documents = 400;

    [Fact]
    public async Task Ingest_on_a_full_disk_fails_clearly_keeps_the_index_consistent_and_finishes_once_space_returns()
    {
        var memos = Directory.CreateTempSubdirectory("memos-full").FullName;
        var filler = string.Join(' ', Enumerable.Range(0, 900).Select(w => $"word{w % 97}"));
        for (var i = 0; i < Documents; i++)
            File.WriteAllText(Path.Combine(memos, $"memo-{i:D4}.md"), $"# Memo {i}\n\n## Body\n\nprocedure code{i}z. {filler}\n");
        using var box = new SoakBox(users: 1, queueLimit: 4, parallel: 1, memos: memos);
        Directory.CreateDirectory(box.DataFolder);
        var runner = new LocalCommandRunner();
        (await runner.RunAsync(Command.Of("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", box.DataFolder))).EnsureSuccess();
        try
        {
            var full = await AgentProcess.VerbAsync(box, CancellationToken.None, "ingest", "--collection", "memos");
            output.WriteLine($"exit {full.ExitCode}\n{full.StandardOutput}\n{full.StandardError}");
            Assert.NotEqual(0, full.ExitCode);
            var said = (full.StandardOutput + full.StandardError).ToLowerInvariant();
            Assert.True(said.Contains("full") || said.Contains("no space"), "the error does not say the disk is full:\n" + said);
            Assert.DoesNotContain("   at Appliance.", full.StandardOutput + full.StandardError);
            var before = IndexChecks.AssertConsistent(box, "memos");
            Assert.InRange(before, 0, Documents - 1);

            (await runner.RunAsync(Command.Of("mount", "-o", "remount,size=256m", box.DataFolder))).EnsureSuccess();
            var resumed = await AgentProcess.VerbAsync(box, CancellationToken.None, "ingest", "--collection", "memos");
            Assert.True(resumed.Succeeded, resumed.StandardOutput + resumed.StandardError);
            Assert.Equal(Documents, IndexChecks.AssertConsistent(box, "memos"));
            output.WriteLine($"{before} documents were ready when the disk filled; all {Documents} after space returned");
        }
        finally
        {
            await runner.RunAsync(Command.Of("umount", "-l", box.DataFolder));
            Directory.Delete(memos, recursive: true);
        }
    }
}
