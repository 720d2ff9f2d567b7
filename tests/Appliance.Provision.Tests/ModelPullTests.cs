using System.Net;
using System.Security.Cryptography;
using Appliance.Provision.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Appliance.Provision.Tests;

/// <summary>A model server on loopback (Kestrel) that honours Range and can cut the connection midway.</summary>
public sealed class FlakyModelServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private int requests;

    private FlakyModelServer(WebApplication app, byte[] content)
    {
        this.app = app;
        Content = content;
    }

    public byte[] Content { get; }
    public string Sha256 => Convert.ToHexStringLower(SHA256.HashData(Content));
    public Uri Url => new(app.Urls.First() + "/model.gguf");
    public int Requests => requests;
    public List<string?> RangesAsked { get; } = [];

    /// <param name="dropAfter">cut the first response after this many bytes (null: never).</param>
    /// <param name="claimedLength">announce this Content-Length instead of the real one and send nothing.</param>
    public static async Task<FlakyModelServer> StartAsync(int size, long? dropAfter, long? claimedLength = null)
    {
        var content = new byte[size];
        new Random(7).NextBytes(content);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        FlakyModelServer? server = null;
        app.MapGet("/model.gguf", async (HttpContext context) =>
        {
            var first = Interlocked.Increment(ref server!.requests) == 1;
            var range = context.Request.Headers.Range.ToString();
            server.RangesAsked.Add(range.Length == 0 ? null : range);
            if (claimedLength is { } claimed)
            {
                // Headers only, then wait for the client to give up: it must decide from the headers alone.
                context.Response.ContentLength = claimed;
                await context.Response.Body.FlushAsync();
                try { await Task.Delay(TimeSpan.FromMinutes(1), context.RequestAborted); }
                catch (OperationCanceledException) { }
                context.Abort();
                return;
            }
            var from = range.StartsWith("bytes=", StringComparison.Ordinal) ? long.Parse(range["bytes=".Length..].TrimEnd('-')) : 0;
            if (from > 0)
            {
                context.Response.StatusCode = 206;
                context.Response.Headers.ContentRange = $"bytes {from}-{content.Length - 1}/{content.Length}";
            }
            context.Response.ContentLength = content.Length - from;
            var end = first && dropAfter is { } drop ? (int)drop : content.Length;
            await context.Response.Body.WriteAsync(content.AsMemory((int)from, end - (int)from));
            await context.Response.Body.FlushAsync();
            if (end < content.Length) context.Abort();
        });
        await app.StartAsync();
        server = new FlakyModelServer(app, content);
        return server;
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}

public sealed class ModelPullTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("models-").FullName;
    private readonly HttpClient http = new();

    [Fact]
    public async Task A_connection_dropped_midway_is_resumed_and_the_file_appears_only_when_its_hash_matches()
    {
        await using var server = await FlakyModelServer.StartAsync(3_000_000, dropAfter: 1_200_000);
        var destination = Path.Combine(folder, "model.gguf");
        var seen = new List<DownloadProgress>();

        var outcome = await new ModelDownload(http).FetchAsync(server.Url, destination, server.Sha256, new SyncProgress(seen.Add), CancellationToken.None);

        Assert.StartsWith("downloaded (resumed", outcome);
        Assert.Equal(server.Content, await File.ReadAllBytesAsync(destination));
        Assert.False(File.Exists(destination + ".partial"));
        Assert.Equal(2, server.Requests);
        Assert.Null(server.RangesAsked[0]);
        Assert.Matches(@"^bytes=\d+-$", server.RangesAsked[1]);
        Assert.Contains(seen, p => p.Resumed);
        Assert.Equal("already present", await new ModelDownload(http).FetchAsync(server.Url, destination, server.Sha256, null, CancellationToken.None));
    }

    [Fact]
    public async Task A_file_with_another_hash_is_deleted_not_installed()
    {
        await using var server = await FlakyModelServer.StartAsync(500_000, dropAfter: null);
        var destination = Path.Combine(folder, "model.gguf");
        var error = await Assert.ThrowsAsync<ModelDownloadException>(() =>
            new ModelDownload(http).FetchAsync(server.Url, destination, new string('a', 64), null, CancellationToken.None));
        Assert.Contains("the config pins aaaa", error.Message);
        Assert.False(File.Exists(destination));
        Assert.False(File.Exists(destination + ".partial"));
    }

    [Fact]
    public async Task A_download_larger_than_the_free_space_does_not_start()
    {
        await using var server = await FlakyModelServer.StartAsync(1000, dropAfter: null, claimedLength: 1L << 55);
        var error = await Assert.ThrowsAsync<ModelDownloadException>(() =>
            new ModelDownload(http).FetchAsync(server.Url, Path.Combine(folder, "huge.gguf"), new string('a', 64), null, CancellationToken.None));
        Assert.Contains("free on", error.Message);
    }

    [Fact]
    public async Task Plain_http_to_another_host_is_refused()
    {
        var error = await Assert.ThrowsAsync<ModelDownloadException>(() =>
            new ModelDownload(http).FetchAsync(new Uri("http://models.example/x.gguf"), Path.Combine(folder, "x.gguf"), new string('a', 64), null, CancellationToken.None));
        Assert.Contains("https only", error.Message);
    }

    public void Dispose()
    {
        http.Dispose();
        Directory.Delete(folder, true);
    }

    private sealed class SyncProgress(Action<DownloadProgress> report) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) => report(value);
    }
}
