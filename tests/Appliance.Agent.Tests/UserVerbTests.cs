using Appliance.Agent.Identity;
using Appliance.Config;

namespace Appliance.Agent.Tests;

/// <summary>`appliance users …` run as a process, the way IT sets first passwords on the box.</summary>
public sealed class UserVerbTests : IDisposable
{
    private readonly TestOffice _office = TestOffice.Create();

    private async Task<IdentityStore> StoreAsync() =>
        await IdentityStore.OpenAsync(Path.Combine(_office.DataFolder, "agent.db"), TimeProvider.System, CancellationToken.None);

    [Fact]
    public async Task Passwd_reads_the_password_from_stdin_and_it_then_signs_in()
    {
        var result = await AgentProgram.RunAsync("a brand new passphrase\n", "users", "passwd", "lars", "-c", _office.ConfigFile);
        Assert.True(result.ExitCode == 0, result.StandardError);
        var outcome = await (await StoreAsync()).CheckPasswordAsync("lars", "a brand new passphrase", new LockoutPolicy(), CancellationToken.None);
        Assert.IsType<SignInOutcome.Success>(outcome);
    }

    [Fact]
    public async Task Passwd_refuses_a_short_password_and_an_unknown_user_and_changes_nothing()
    {
        var shortOne = await AgentProgram.RunAsync("short\n", "users", "passwd", "lars", "-c", _office.ConfigFile);
        Assert.Equal(1, shortOne.ExitCode);
        Assert.Contains("shorter than 10", shortOne.StandardError);
        var unknown = await AgentProgram.RunAsync("long enough password\n", "users", "passwd", "mallory", "-c", _office.ConfigFile);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("not a user configured", unknown.StandardError);
        Assert.False((await (await StoreAsync()).FindAsync("lars", CancellationToken.None))!.HasPassword);
    }

    [Fact]
    public async Task Token_prints_a_working_token_once()
    {
        var result = await AgentProgram.RunAsync(null, "users", "token", "emil", "--label", "curl", "-c", _office.ConfigFile);
        Assert.Equal(0, result.ExitCode);
        var secret = result.StandardOutput.Trim();
        Assert.StartsWith("apl_", secret);
        var holder = await (await StoreAsync()).AuthenticateTokenAsync(secret, CancellationToken.None);
        Assert.Equal("emil", holder?.User.Name);
        Assert.Equal(Appliance.Inference.WorkPriority.Api, holder?.Class);
    }

    [Fact]
    public async Task A_token_for_overnight_work_is_issued_as_background_and_a_wrong_class_is_refused()
    {
        var result = await AgentProgram.RunAsync(null, "users", "token", "emil", "--label", "nightly digest", "--class", "background", "-c", _office.ConfigFile);
        Assert.Equal(0, result.ExitCode);
        var holder = await (await StoreAsync()).AuthenticateTokenAsync(result.StandardOutput.Trim(), CancellationToken.None);
        Assert.Equal(Appliance.Inference.WorkPriority.Background, holder?.Class);

        var wrong = await AgentProgram.RunAsync(null, "users", "token", "emil", "--class", "urgent", "-c", _office.ConfigFile);
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("interactive, api or background", wrong.StandardError);
        Assert.Empty(wrong.StandardOutput.Trim());
    }

    [Fact]
    public async Task A_broken_config_is_reported_with_file_line_and_column()
    {
        File.WriteAllText(_office.ConfigFile, File.ReadAllText(_office.ConfigFile).Replace("agent_port: 8443", "agent_port: 99999"));
        var result = await AgentProgram.RunAsync(null, "serve", "-c", _office.ConfigFile);
        Assert.Equal(2, result.ExitCode);
        Assert.Matches(@"appliance\.yaml:\d+:\d+: network\.agent_port", result.StandardError);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _office.Dispose();
    }
}
