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
        var marker = Path.Combine(Path.GetTempPath(), $"child-{Guid.NewGuid():N}");
        var command = Command.Of("sh", "-c", $"(sleep 3; touch {marker}) & sleep 30").WithTimeout(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<CommandTimedOutException>(() => _runner.RunAsync(command));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Contains("did not finish within 0.3 s", error.Message);
        await Task.Delay(3500);
        Assert.False(File.Exists(marker), "the child of a timed-out command survived");
    }

    [Fact]
    public async Task Cancellation_kills_the_process()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _runner.RunAsync(Command.Of("sleep", "30"), cancel.Token));
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
