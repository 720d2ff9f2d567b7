using System.Net;
using System.Net.Sockets;
using Appliance.Config;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Inference.Tests;

/// <summary>Two real OpenAI-wire servers on loopback, both answering with the in-process engine.</summary>
public sealed class UpstreamFixture : IAsyncLifetime
{
    public InferenceService Local { get; private set; } = null!;
    public OpenAiWireServer First { get; private set; } = null!;
    public OpenAiWireServer Second { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Local = await InferenceService.StartAsync(TestConfigs.WithTestModels(parallel: 4), TestConfigs.RepositoryRoot, NullLoggerFactory.Instance, CancellationToken.None);
        First = await OpenAiWireServer.StartAsync(Local.Chat, Local.Embeddings, "tiny-chat");
        Second = await OpenAiWireServer.StartAsync(Local.Chat, Local.Embeddings, "tiny-chat");
    }

    public async Task DisposeAsync()
    {
        await First.DisposeAsync();
        await Second.DisposeAsync();
        await Local.DisposeAsync();
    }
}

public sealed class UpstreamTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private static readonly ChatMessage[] Question = [new(ChatRole.User, "what does the contract say about the invoice?")];
    private static readonly ChatOptions Greedy = new() { MaxOutputTokens = 16, Temperature = 0 };

    private static Uri DeadUrl()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/v1/");
    }

    [Fact]
    public async Task Streaming_through_the_upstream_gives_the_local_answer()
    {
        await using var pool = new UpstreamPool([fixture.First.BaseUrl], NullLogger.Instance);
        using var remote = new UpstreamChatClient(pool, "tiny-chat");
        var local = await fixture.Local.Chat.GetResponseAsync(Question, Greedy);

        var updates = await remote.GetStreamingResponseAsync(Question, Greedy).ToListAsync();
        Assert.Equal(local.Text, string.Concat(updates.Select(u => u.Text)));
        Assert.Contains(updates, u => u.FinishReason == ChatFinishReason.Length);
        Assert.Equal(16, updates.SelectMany(u => u.Contents.OfType<UsageContent>()).Single().Details.OutputTokenCount);

        var whole = await remote.GetResponseAsync(Question, Greedy);
        Assert.Equal(local.Text, whole.Text);
    }

    [Fact]
    public async Task Requests_go_to_the_least_busy_upstream()
    {
        await using var pool = new UpstreamPool([fixture.First.BaseUrl, fixture.Second.BaseUrl], NullLogger.Instance);
        using var remote = new UpstreamChatClient(pool, "tiny-chat");
        using var cancel = new CancellationTokenSource();

        // A long answer keeps one upstream busy; the next three requests must all go to the other.
        var busy = remote.GetStreamingResponseAsync(Question, new ChatOptions { MaxOutputTokens = 900, Temperature = 0 }, cancel.Token).GetAsyncEnumerator();
        Assert.True(await busy.MoveNextAsync());
        var busyServer = fixture.First.InFlight > 0 ? fixture.First : fixture.Second;
        var idleServer = busyServer == fixture.First ? fixture.Second : fixture.First;
        var before = (busy: busyServer.ChatRequests, idle: idleServer.ChatRequests);

        for (var i = 0; i < 3; i++) await remote.GetResponseAsync(Question, new ChatOptions { MaxOutputTokens = 2 });

        Assert.Equal(before.busy, busyServer.ChatRequests);
        Assert.Equal(before.idle + 3, idleServer.ChatRequests);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => { while (await busy.MoveNextAsync()) { } });
        await busy.DisposeAsync();
    }

    [Fact]
    public async Task A_dead_upstream_fails_its_health_check_and_requests_fail_over()
    {
        var dead = DeadUrl();
        await using var pool = new UpstreamPool([dead, fixture.First.BaseUrl], NullLogger.Instance, checkInterval: TimeSpan.FromHours(1));
        using var remote = new UpstreamChatClient(pool, "tiny-chat");
        await pool.CheckNowAsync(CancellationToken.None);
        Assert.False(pool.Upstreams[0].Healthy);
        Assert.NotNull(pool.Upstreams[0].LastError);
        Assert.True(pool.Upstreams[1].Healthy);

        // Even when the dead one is believed healthy, a request fails over to the live one.
        pool.Upstreams[0].Healthy = true;
        for (var i = 0; i < 2; i++)
        {
            var answer = await remote.GetResponseAsync(Question, Greedy);
            Assert.Equal(16, answer.Usage?.OutputTokenCount);
        }
        Assert.False(pool.Upstreams[0].Healthy);
    }

    [Fact]
    public async Task With_every_upstream_down_the_error_names_them()
    {
        var dead = DeadUrl();
        await using var pool = new UpstreamPool([dead], NullLogger.Instance, checkInterval: TimeSpan.FromHours(1));
        using var remote = new UpstreamChatClient(pool, "tiny-chat");
        var e = await Assert.ThrowsAsync<HttpRequestException>(() => remote.GetResponseAsync(Question, Greedy));
        Assert.Contains(dead.ToString(), e.Message);
    }

    [Fact]
    public async Task Embeddings_through_the_upstream_equal_local_ones()
    {
        await using var pool = new UpstreamPool([fixture.First.BaseUrl], NullLogger.Instance);
        using var remote = new UpstreamEmbeddingGenerator(pool, "tiny-embed");
        string[] texts = ["the office handbook", "a letter to the court about the invoice"];
        var local = await fixture.Local.Embeddings.GenerateAsync(texts);
        var viaWire = await remote.GenerateAsync(texts);
        for (var i = 0; i < texts.Length; i++)
            Assert.True(System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(local[i].Vector.Span, viaWire[i].Vector.Span) > 0.99999f);
    }

    [Fact]
    public async Task The_service_with_backend_openai_uses_the_configured_upstreams()
    {
        var config = TestConfigs.WithTestModels();
        config = config with { Inference = config.Inference with { Backend = InferenceBackend.OpenAi, Upstreams = [fixture.Second.BaseUrl] } };
        await using var service = await InferenceService.StartAsync(config, TestConfigs.RepositoryRoot, NullLoggerFactory.Instance, CancellationToken.None);
        var before = fixture.Second.ChatRequests;
        var answer = await service.Chat.GetResponseAsync(Question, Greedy);
        Assert.Equal((await fixture.Local.Chat.GetResponseAsync(Question, Greedy)).Text, answer.Text);
        Assert.Equal(before + 1, fixture.Second.ChatRequests);
        Assert.Equal(fixture.Second.BaseUrl.ToString(), service.ChatModel.Path);
    }
}
