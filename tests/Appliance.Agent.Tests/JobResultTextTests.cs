using Appliance.Agent.Jobs;

namespace Appliance.Agent.Tests;

/// <summary>A job's result is stored as a Markdown document: whatever the model wrote, the library must accept it as text.</summary>
public sealed class JobResultTextTests
{
    [Fact]
    public void Control_characters_a_model_wrote_do_not_reach_the_stored_result_but_its_lines_do()
    {
        var request = new JobRequest("lars", ["lawyers"], "Client matters", JobTask.Summarise, JobTasks.DefaultPrompt(JobTask.Summarise),
            JobSchedule.Now, ["clients"], null, []);
        var item = new JobItem(0, "d1", "clients", "Weber KG", "weber.txt", ItemState.Done, "First line\0 with a NUL\u001b[31m\nsecond\tline", []);

        var markdown = JobTasks.Render(request, DateTimeOffset.UnixEpoch, "TEST MODEL", [item], new Dictionary<string, string> { ["clients"] = "Client matters" });

        Assert.DoesNotContain('\0', markdown);
        Assert.DoesNotContain('\u001b', markdown);
        Assert.Contains("First line with a NUL[31m\nsecond\tline", markdown);
    }
}
