using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Appliance.Audit.Evidence;
using Appliance.Exec;
using Appliance.Provision.AuditPack;
using Appliance.Provision.Targets;

namespace Appliance.Provision.Tests;

/// <summary>Mistakes people make at the command line get a short, exact answer, fast, and before anything changes.</summary>
public sealed class ReachabilityAndUsageTests
{
    private static Task<CommandResult> Provision(params string[] args) => CliTests.Provision(args);

    [Fact]
    public async Task A_box_that_accepts_but_never_answers_fails_within_seconds_naming_the_port_and_remote_login()
    {
        // A loopback listener that accepts and stays silent: what ssh sees of a box whose SSH never answers.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        using var box = new TestBox("ssh-silent");
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<TargetUnreachableException>(() => box.OpenAsync($"ssh://nobody@127.0.0.1:{port}"));
        Assert.True(clock.Elapsed < SshTarget.ConnectTimeout * 4, $"took {clock.Elapsed.TotalSeconds:0.#} s");
        Assert.Contains($"the box does not answer on port {port} (is it on, is Remote Login enabled?)", error.Message);
    }

    [Fact]
    public async Task Plan_against_a_closed_port_says_the_box_does_not_answer()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        using var box = new TestBox("ssh-closed");
        var plan = await Provision("plan", "-c", box.ConfigFile, "--target", $"ssh://nobody@127.0.0.1:{port}");
        Assert.Equal(1, plan.ExitCode);
        Assert.Contains($"the box does not answer on port {port} (is it on, is Remote Login enabled?)", plan.StandardOutput);
        Assert.DoesNotContain("   at ", plan.StandardOutput + plan.StandardError);
    }

    [Fact]
    public async Task A_mistyped_option_prints_the_error_first_then_one_usage_line()
    {
        var plan = await Provision("plan", "--taget", "sandbox:/tmp/nowhere");
        Assert.Equal(1, plan.ExitCode);
        var lines = (plan.StandardError + plan.StandardOutput).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains("--taget", lines[0]);
        Assert.Equal("usage: provision plan [options]   (provision plan --help lists them)", lines[^1]);
        Assert.True(lines.Length <= 3, string.Join("\n", lines));
    }

    [Fact]
    public async Task Apply_refuses_before_its_first_change_when_a_model_file_it_must_copy_is_missing_here()
    {
        using var box = new TestBox("missing-model");
        File.Delete(Path.Combine(box.ModelCache, "rerank.gguf"));
        var apply = await Provision("apply", "-c", box.ConfigFile, "--target", box.Target, "--models-from", box.ModelCache, "--yes");
        Assert.Equal(1, apply.ExitCode);
        Assert.Matches(@"FAIL files apply needs: missing on this machine: \S*rerank\.gguf", apply.StandardOutput);
        Assert.Contains("nothing was changed", apply.StandardOutput);
        Assert.False(File.Exists(box.HostPath("/var/db/appliance/journal.jsonl")));
        Assert.False(Directory.Exists(box.HostPath("/Library/Application Support/Appliance")));
    }

    [Fact]
    public void The_audit_period_filter_reads_each_entrys_time_from_its_json_payload()
    {
        var period = new AuditPeriod(new DateOnly(2026, 11, 18), new DateOnly(2026, 11, 18));
        // Spaced JSON, and a comma inside a field before the time would be: splitting by commas misreads both.
        var outside = new ChainEntry(1, "p", "h", """[ 1 , "2026-10-01T09:00:00Z" , "query" ]""");
        var inside = new ChainEntry(2, "p", "h", """[2,"2026-11-18T09:00:00Z","query"]""");
        Assert.False(AuditInputsCollector.InPeriod(outside, period));
        Assert.True(AuditInputsCollector.InPeriod(inside, period));
    }
}
