using Appliance.Soak;

namespace Appliance.Reliability.Tests;

/// <summary>
/// One writer per data folder, across processes: while the agent serves, `appliance ingest` is
/// refused with who holds the folder and what to do instead, and the read-only verbs work beside it.
/// </summary>
public sealed class OneWriterTests
{
    [Fact]
    public async Task While_the_agent_serves_a_cli_ingest_is_refused_naming_the_agent_and_search_still_works()
    {
        var memos = Directory.CreateTempSubdirectory("memos").FullName;
        for (var i = 0; i < 5; i++)
            File.WriteAllText(Path.Combine(memos, $"memo-{i}.md"), $"# Memo {i}\n\nProcedure code{i}z for the front desk.\n");
        using var box = new SoakBox(users: 1, queueLimit: 4, parallel: 1, memos: memos);
        (await AgentProcess.VerbAsync(box, CancellationToken.None, "ingest", "--collection", "memos")).EnsureSuccess();

        await using (var agent = await AgentProcess.StartAsync(box, CancellationToken.None))
        {
            var refused = await AgentProcess.VerbAsync(box, CancellationToken.None, "ingest", "--collection", "memos");
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains($"appliance serve (pid {agent.Pid}", refused.StandardError);
            Assert.Contains("one writer at a time", refused.StandardError);
            Assert.Contains("POST /api/ingest", refused.StandardError);
            Assert.DoesNotContain("   at Appliance.", refused.StandardError);

            var search = (await AgentProcess.VerbAsync(box, CancellationToken.None, "search", "code3z", "--groups", "everyone", "--lexical", "--json")).EnsureSuccess();
            Assert.Contains("memo-3.md", search.StandardOutput);
            var list = (await AgentProcess.VerbAsync(box, CancellationToken.None, "documents", "list", "--json")).EnsureSuccess();
            Assert.Contains("memo-4.md", list.StandardOutput);
        }

        // The agent has stopped: the folder has no writer, and the CLI writes again.
        (await AgentProcess.VerbAsync(box, CancellationToken.None, "ingest", "--collection", "memos")).EnsureSuccess();
        Directory.Delete(memos, recursive: true);
    }
}
