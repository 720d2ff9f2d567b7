using System.Diagnostics;

namespace Appliance.Exec.Tests;

/// <summary>Commands are values; running one gives its exit code and output as data.</summary>
public sealed class CommandRunnerTests
{
    private readonly LocalCommandRunner _runner = new();

    [Fact]
    public async Task Exit_code_stdout_and_stderr_come_back_as_data()
    {
        var result = await _runner.RunAsync(Command.Of("sh", "-c", "echo out; echo err >&2; exit 3"));
        Assert.Equal(3, result.ExitCode);
        Assert.Equal("out\n", result.StandardOutput);
        Assert.Equal("err\n", result.StandardError);
        Assert.False(result.Succeeded);
        var failure = Assert.Throws<CommandFailedException>(() => result.EnsureSuccess());
        Assert.Contains("exited with 3: err", failure.Message);
    }

    [Fact]
    public async Task Arguments_are_passed_as_a_list_never_through_a_shell()
    {
        var hostile = "$(touch /tmp/pwned-by-appliance); `id` * ; 'quote\" \n";
        var result = await _runner.RunAsync(Command.Of("printf", "%s", hostile));
        Assert.Equal(hostile, result.StandardOutput);
        Assert.False(File.Exists("/tmp/pwned-by-appliance"));
    }

    [Fact]
    public async Task A_timeout_kills_the_process_and_its_children()
    {
        var pids = Path.Combine(Path.GetTempPath(), $"pids-{Guid.NewGuid():N}");
        var command = Command.Of("sh", "-c", $"sleep 30 & echo $! > {pids}; wait").WithTimeout(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<CommandTimedOutException>(() => _runner.RunAsync(command));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Contains("did not finish within 0.3 s", error.Message);
        await AssertGoneAsync(pids);
    }

    [Fact]
    public async Task The_timeout_covers_writing_standard_input()
    {
        // sleep never reads: the 1 MiB stays in a full pipe, and the timeout must still end the run.
        var command = Command.Of("sleep", "5").WithStandardInput(new string('x', 1 << 20)).WithTimeout(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<CommandTimedOutException>(() => _runner.RunAsync(command));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"the run took {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task Cancelling_while_standard_input_is_written_leaves_no_process_behind()
    {
        var pids = Path.Combine(Path.GetTempPath(), $"pids-{Guid.NewGuid():N}");
        var command = Command.Of("sh", "-c", $"echo $$ > {pids}.tmp; sleep 30 & echo $! >> {pids}.tmp; mv {pids}.tmp {pids}; wait")
            .WithStandardInput(new string('x', 1 << 20));
        using var cancel = new CancellationTokenSource();
        var running = _runner.RunAsync(command, cancel.Token);
        await Eventually(() => File.Exists(pids), TimeSpan.FromSeconds(10), "the command wrote its process ids");
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        await AssertGoneAsync(pids);
    }

    /// <summary>Every process id in the file has ended (and been reaped): none survived the kill.</summary>
    private static async Task AssertGoneAsync(string pidFile)
    {
        await Eventually(() => File.Exists(pidFile) && File.ReadAllText(pidFile).Trim().Length > 0, TimeSpan.FromSeconds(10), "the command wrote its process ids");
        foreach (var pid in File.ReadAllLines(pidFile).Where(l => l.Length > 0).Select(int.Parse))
            await Eventually(() => !Directory.Exists($"/proc/{pid}") || File.ReadAllText($"/proc/{pid}/stat").Contains(") Z "),
                TimeSpan.FromSeconds(5), $"process {pid} ended");
        File.Delete(pidFile);
    }

    [Fact]
    public async Task Environment_working_directory_and_stdin_are_applied()
    {
        var dir = Directory.CreateTempSubdirectory().FullName;
        var command = Command.Of("sh", "-c", "pwd; echo $APPLIANCE_TEST; cat")
            .WithWorkingDirectory(dir).WithEnvironment("APPLIANCE_TEST", "set").WithStandardInput("from stdin");
        var result = await _runner.RunAsync(command);
        Assert.Equal($"{dir}\nset\nfrom stdin", result.StandardOutput);
    }

    [Fact]
    public async Task A_null_environment_value_removes_the_inherited_variable()
    {
        var result = await _runner.RunAsync(Command.Of("sh", "-c", "echo ${HOME-unset}").WithEnvironment("HOME", null));
        Assert.Equal("unset\n", result.StandardOutput);
    }

    [Fact]
    public async Task A_missing_program_is_a_clear_error()
    {
        var error = await Assert.ThrowsAsync<CommandNotFoundException>(() => _runner.RunAsync(Command.Of("/nonexistent/launchctl", "print")));
        Assert.Contains("cannot start `/nonexistent/launchctl`", error.Message);
    }

    [Fact]
    public void A_command_prints_as_a_person_would_type_it()
    {
        var command = Command.Of("launchctl", "bootstrap", "system", "/Library/LaunchDaemons/com.appliance agent.plist");
        Assert.Equal("launchctl bootstrap system '/Library/LaunchDaemons/com.appliance agent.plist'", command.ToString());
        Assert.Equal(command, Command.Of("launchctl", "bootstrap", "system", "/Library/LaunchDaemons/com.appliance agent.plist") with { });
    }
}
