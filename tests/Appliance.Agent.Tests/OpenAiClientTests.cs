using System.Text.Json;
using Appliance.Exec;

namespace Appliance.Agent.Tests;

/// <summary>The official `openai` npm package, unchanged, against the agent's /v1 routes.</summary>
[Collection("agent")]
public sealed class OpenAiClientTests(AgentFixture fixture)
{
    private static readonly string Folder = Path.Combine(TestOffice.RepoRoot, "tests", "Appliance.Agent.Tests", "openai-client");

    private static async Task EnsureInstalledAsync()
    {
        if (File.Exists(Path.Combine(Folder, "node_modules", "openai", "package.json"))) return;
        (await new LocalCommandRunner().RunAsync(Command.Of("npm", "ci", "--no-audit", "--no-fund")
            .WithWorkingDirectory(Folder).WithTimeout(TimeSpan.FromMinutes(5)))).EnsureSuccess();
    }

    [Fact]
    public async Task Chat_streaming_embeddings_and_errors_work_through_the_official_client()
    {
        await EnsureInstalledAsync();
        var result = await new LocalCommandRunner().RunAsync(Command.Of("node", "client.mjs")
            .WithWorkingDirectory(Folder)
            .WithEnvironment("OPENAI_BASE_URL", new Uri(fixture.Agent.BaseAddress, "/v1").ToString())
            .WithEnvironment("OPENAI_API_KEY", fixture.Agent.Tokens["emil"])
            .WithEnvironment("CHAT_MODEL", "tiny-chat")
            .WithEnvironment("EMBEDDING_MODEL", "tiny-embed")
            .WithTimeout(TimeSpan.FromMinutes(5)));
        Assert.True(result.ExitCode == 0, result.StandardError + result.StandardOutput);
        var seen = JsonDocument.Parse(result.StandardOutput).RootElement;

        Assert.Equal(["tiny-chat", "documents", "tiny-embed"], seen.GetProperty("models").EnumerateArray().Select(m => m.GetString()));

        var completion = seen.GetProperty("completion");
        Assert.Equal("chat.completion", completion.GetProperty("object").GetString());
        Assert.Equal("assistant", completion.GetProperty("role").GetString());
        Assert.Contains(completion.GetProperty("finish_reason").GetString(), new[] { "stop", "length" });
        var usage = completion.GetProperty("usage");
        Assert.InRange(usage.GetProperty("completion_tokens").GetInt32(), 1, 8);
        Assert.True(usage.GetProperty("prompt_tokens").GetInt32() > 5);
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32() + usage.GetProperty("completion_tokens").GetInt32(), usage.GetProperty("total_tokens").GetInt32());

        var stream = seen.GetProperty("stream");
        Assert.True(stream.GetProperty("pieces").GetInt32() >= 1);
        Assert.True(stream.GetProperty("chunks").GetInt32() >= stream.GetProperty("pieces").GetInt32() + 2);  // role chunk, pieces, finish, usage
        Assert.Contains(stream.GetProperty("finish_reason").GetString(), new[] { "stop", "length" });
        Assert.InRange(stream.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), 1, 8);

        Assert.True(seen.GetProperty("documents").GetProperty("has_citations_field").GetBoolean());

        var embeddings = seen.GetProperty("embeddings");
        Assert.Equal(2, embeddings.GetProperty("count").GetInt32());
        Assert.True(embeddings.GetProperty("dimensions").GetInt32() >= 16);
        // The SDK's default (base64, decoded by the client) and explicit floats carry the same numbers.
        var viaBase64 = embeddings.GetProperty("first").EnumerateArray().Select(v => v.GetDouble()).ToList();
        var viaFloats = embeddings.GetProperty("float_first").EnumerateArray().Select(v => v.GetDouble()).ToList();
        Assert.Equal(4, viaBase64.Count);
        for (var i = 0; i < viaBase64.Count; i++)
            Assert.True(Math.Abs(viaBase64[i] - viaFloats[i]) < 1e-5, $"component {i}: {viaBase64[i]} (base64) vs {viaFloats[i]} (float)");

        Assert.Equal((404, "NotFoundError", "model_not_found"), Refusal(seen.GetProperty("unknown_model")));
        Assert.Equal(400, seen.GetProperty("bad_request").GetProperty("status").GetInt32());
        Assert.Contains("messages", seen.GetProperty("bad_request").GetProperty("message").GetString());
        Assert.Equal((401, "AuthenticationError", "invalid_api_key"), Refusal(seen.GetProperty("bad_key")));
    }

    private static (int, string, string?) Refusal(JsonElement e) =>
        (e.GetProperty("status").GetInt32(), e.GetProperty("kind").GetString()!, e.GetProperty("code").GetString());
}
