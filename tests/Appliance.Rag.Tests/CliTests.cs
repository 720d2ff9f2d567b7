using System.Diagnostics;
using System.Text.Json;

namespace Appliance.Rag.Tests;

/// <summary>The `ingest`, `search` and `documents` verbs of bin/appliance, run as real processes.</summary>
[Collection(SampleOfficeCollection.Name)]
public sealed class CliTests(SampleOfficeFixture office)
{
    [Fact]
    public async Task Ingest_search_as_a_user_and_delete_through_the_command_line()
    {
        using var box = new TestBox(office.Handbook, office.Hr);
        var (code, output, _) = await RunAsync("ingest", "--config", box.ConfigPath, "--json");
        Assert.Equal(0, code);
        using (var report = JsonDocument.Parse(output))
        {
            Assert.Equal(office.Files.Count, report.RootElement.GetProperty("added").GetInt32());
            Assert.Equal(0, report.RootElement.GetProperty("skipped").GetArrayLength());
        }

        (code, output, _) = await RunAsync("search", "how long must passwords be", "--user", "lfischer", "--k", "3", "--json", "--config", box.ConfigPath);
        Assert.Equal(0, code);
        using (var hits = JsonDocument.Parse(output))
        {
            var top = hits.RootElement[0];
            Assert.Equal("it-security.pdf", top.GetProperty("path").GetString());
            Assert.Equal("IT security guideline", top.GetProperty("title").GetString());
            Assert.Equal(4, top.GetProperty("page").GetInt32());
            Assert.True(top.GetProperty("score").GetDouble() > 0);
            Assert.Contains("14 characters", top.GetProperty("text").GetString());
            Assert.True(top.TryGetProperty("section", out _));
        }

        (_, output, _) = await RunAsync("search", "salary band associates quokka", "--user", "lfischer", "--k", "20", "--json", "--config", box.ConfigPath);
        Assert.DoesNotContain("salary-bands.md", output);
        (_, output, _) = await RunAsync("search", "salary band associates quokka", "--groups", "hr", "--json", "--config", box.ConfigPath);
        Assert.Contains("salary-bands.md", output);

        (code, _, var error) = await RunAsync("search", "x", "--user", "nobody", "--config", box.ConfigPath);
        Assert.Equal(1, code);
        Assert.Contains("no user 'nobody'", error);

        (_, output, _) = await RunAsync("documents", "list", "--user", "lfischer", "--json", "--config", box.ConfigPath);
        string id;
        using (var documents = JsonDocument.Parse(output))
        {
            Assert.DoesNotContain(documents.RootElement.EnumerateArray(), d => d.GetProperty("collection_id").GetString() == "hr");
            id = documents.RootElement.EnumerateArray().Single(d => d.GetProperty("path").GetString() == "leave-policy.md").GetProperty("id").GetString()!;
        }
        (code, output, _) = await RunAsync("documents", "delete", id, "--by", "sweiss", "--config", box.ConfigPath);
        Assert.Equal(0, code);
        Assert.Contains("erased handbook/leave-policy.md", output);
        (_, output, _) = await RunAsync("documents", "erasures", "--json", "--config", box.ConfigPath);
        Assert.Contains("\"erased_by\": \"sweiss\"", output);

        (code, _, error) = await RunAsync("ingest", "--collection", "nope", "--config", box.ConfigPath);
        Assert.Equal(1, code);
        Assert.Contains("no collection 'nope'", error);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] arguments)
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var agent = Path.Combine(SampleDocs.SampleOffice.RepositoryRoot(), "src", "Appliance.Agent", "bin", here.Parent!.Name, "net10.0", "appliance.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(agent);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }
}
