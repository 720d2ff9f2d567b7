using Appliance.Soak;

namespace Appliance.Reliability.Tests;

/// <summary>A box whose model file or native libraries are damaged refuses to start, and says why.</summary>
public sealed class StartupFaultTests
{
    [Fact]
    public async Task A_corrupted_model_file_stops_the_agent_with_a_clear_message()
    {
        using var box = new SoakBox(users: 1, queueLimit: 4, parallel: 1, ownModels: true);
        var model = Path.Combine(box.ModelsFolder, "tiny-chat.gguf");
        var bytes = File.ReadAllBytes(model);
        bytes[bytes.Length / 2] ^= 0xFF; // one flipped byte, as a bad disk sector or a tampered file would leave it
        File.WriteAllBytes(model, bytes);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => AgentProcess.StartAsync(box, CancellationToken.None));
        Assert.Contains("exited with", error.Message);
        Assert.Contains("tiny-chat.gguf", error.Message);
        Assert.Contains("SHA-256", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at Appliance.", error.Message); // a message, not a stack trace
    }

    [Fact]
    public async Task A_missing_native_library_folder_stops_the_agent_with_a_clear_message()
    {
        using var box = new SoakBox(users: 1, queueLimit: 4, parallel: 1);
        var missing = Path.Combine(box.Folder, "no-native-here");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            AgentProcess.StartAsync(box, CancellationToken.None, environment: new Dictionary<string, string> { ["APPLIANCE_NATIVE_DIR"] = missing }));
        Assert.Contains("exited with", error.Message);
        Assert.True(error.Message.Contains("no-native-here"), error.Message);
        Assert.DoesNotContain("   at Appliance.", error.Message);
    }
}
