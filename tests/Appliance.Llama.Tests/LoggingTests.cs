using Appliance.Llama.Native;
using Microsoft.Extensions.Logging;

namespace Appliance.Llama.Tests;

/// <summary>llama.cpp's own log lines reach Microsoft.Extensions.Logging: chatter below Information, failures as errors.</summary>
public sealed class LoggingTests
{
    public LoggingTests() => _ = TestLogs.Runtime;

    [Fact]
    public void Loading_a_good_model_says_nothing_at_information_level_but_logs_details_at_debug()
    {
        var before = TestLogs.Instance.Entries.Count;
        using var model = LlamaModel.LoadFromFile(TestModels.TestModels.TinyChat, LlamaApi.llama_model_default_params());
        Assert.NotNull(model);
        var lines = TestLogs.Instance.Entries.Skip(before).Where(e => e.Category == "llama.cpp").ToList();
        Assert.Contains(lines, l => l.Level <= LogLevel.Debug && l.Message.Contains("llama_model_loader"));
        Assert.DoesNotContain(lines, l => l.Level == LogLevel.Information);
        Assert.DoesNotContain(lines, l => l.Level >= LogLevel.Error);
        Assert.DoesNotContain(lines, l => l.Message.EndsWith('\n'));
    }

    [Fact]
    public void A_damaged_model_is_logged_as_an_error_and_kept_for_the_message()
    {
        var path = Path.Combine(Path.GetTempPath(), $"damaged-{Guid.NewGuid():N}.gguf");
        var bytes = File.ReadAllBytes(TestModels.TestModels.TinyChat);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 3)]);
        try
        {
            Assert.Null(LlamaModel.LoadFromFile(path, LlamaApi.llama_model_default_params()));
            Assert.Contains(TestLogs.Instance.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("failed to load model"));
            Assert.Contains(TestLogs.Runtime.RecentErrors, m => m.Contains("failed to load model"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
