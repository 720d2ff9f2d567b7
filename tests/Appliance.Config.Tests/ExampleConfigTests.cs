using Appliance.Exec;

namespace Appliance.Config.Tests;

/// <summary>The shipped example and the `provision config validate` command as users run them.</summary>
public sealed class ExampleConfigTests
{
    private static readonly string Root = Repository.Root;

    [Fact]
    public void The_example_appliance_yaml_is_valid_and_describes_a_12_person_office_on_an_m3_ultra()
    {
        var result = ConfigLoader.Load(Path.Combine(Root, "appliance.yaml"));
        Assert.Empty(result.Errors);
        var config = result.Require();
        Assert.Equal(Chip.M3Ultra, config.Machine.Chip);
        Assert.Equal(256, config.Machine.MemoryGb);
        Assert.All(config.Rag.Collections, c => Assert.NotEmpty(c.Groups));
    }

    [Fact]
    public async Task Validate_exits_0_on_the_example()
    {
        var result = await Provision("config", "validate", "-c", Path.Combine(Root, "appliance.yaml"));
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("valid", result.StandardOutput);
    }

    [Fact]
    public async Task Validate_exits_2_with_file_line_col_errors_and_no_stack_trace()
    {
        var broken = Path.Combine(Path.GetTempPath(), $"broken-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(broken, ValidConfig.Text.Replace("agent_port: 8443", "agent_port: eighty"));
        try
        {
            var result = await Provision("config", "validate", "-c", broken);
            Assert.Equal(2, result.ExitCode);
            Assert.Matches(@$"{Regex(Path.GetFileName(broken))}:13:15: network\.agent_port: 'eighty' is not valid \(expected a whole number from 1 to 65535\)", result.StandardOutput);
            Assert.DoesNotContain("   at ", result.StandardOutput + result.StandardError);

            var json = await Provision("config", "validate", "-c", broken, "--json");
            Assert.Equal(2, json.ExitCode);
            using var doc = System.Text.Json.JsonDocument.Parse(json.StandardOutput);
            var error = doc.RootElement.GetProperty("errors")[0];
            Assert.Equal("network.agent_port", error.GetProperty("path").GetString());
            Assert.Equal(13, error.GetProperty("line").GetInt32());
            Assert.Equal(15, error.GetProperty("column").GetInt32());
        }
        finally
        {
            File.Delete(broken);
        }
    }

    [Fact]
    public async Task Validate_reports_a_missing_file_clearly()
    {
        var result = await Provision("config", "validate", "-c", "/nonexistent/appliance.yaml");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("cannot read the file", result.StandardOutput);
    }

    private static string Regex(string text) => System.Text.RegularExpressions.Regex.Escape(text);

    private static Task<CommandResult> Provision(params string[] arguments) =>
        new LocalCommandRunner().RunAsync(Command.Of("dotnet", [Path.Combine(AppContext.BaseDirectory, "provision.dll"), .. arguments]));
}
