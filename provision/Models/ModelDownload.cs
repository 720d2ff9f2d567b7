using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace Appliance.Provision.Models;

/// <summary>How far a download has come, for progress bars.</summary>
public sealed record DownloadProgress(string File, long Bytes, long? Total, bool Resumed);

public sealed class ModelDownloadException(string message) : Exception(message);

/// <summary>
/// Fetches one model file: HTTPS only (plain HTTP only to loopback, for tests), resumes a
/// `.partial` file with a Range request after a dropped connection, refuses to start without the
/// disk space, checks the pinned SHA-256 and only then renames the file into place.
/// </summary>
public sealed class ModelDownload(HttpClient http, int attempts = 4)
{
    public async Task<string> FetchAsync(Uri source, string destination, string sha256, IProgress<DownloadProgress>? progress, CancellationToken ct)
    {
        if (source.Scheme != Uri.UriSchemeHttps && !(source.Scheme == Uri.UriSchemeHttp && source.IsLoopback))
            throw new ModelDownloadException($"{source}: models are fetched over https only");
        if (File.Exists(destination) && await Sha256OfAsync(destination, ct) == sha256) return "already present";

        var partial = destination + ".partial";
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(destination))!);
        var resumes = 0;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (await TryFetchAsync(source, partial, progress, resumes > 0 || File.Exists(partial), ct)) break;
            }
            catch (Exception e) when (e is HttpRequestException or IOException && attempt < attempts && !ct.IsCancellationRequested)
            {
                resumes++;
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), ct);
                continue;
            }
            break;
        }

        var actual = await Sha256OfAsync(partial, ct);
        if (actual != sha256)
        {
            File.Delete(partial);
            throw new ModelDownloadException($"{source}: SHA-256 is {actual}, the config pins {sha256}; the download was deleted");
        }
        File.Move(partial, destination, overwrite: true);
        return resumes > 0 ? $"downloaded (resumed {resumes}×)" : "downloaded";
    }

    /// <returns>true when the file is complete.</returns>
    private async Task<bool> TryFetchAsync(Uri source, string partial, IProgress<DownloadProgress>? progress, bool resume, CancellationToken ct)
    {
        var have = resume && File.Exists(partial) ? new FileInfo(partial).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, source);
        if (have > 0) request.Headers.Range = new RangeHeaderValue(have, null);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable) return true;
        if (!response.IsSuccessStatusCode)
            throw new ModelDownloadException($"{source}: the server answered {(int)response.StatusCode} {response.ReasonPhrase}");
        var partialContent = response.StatusCode == HttpStatusCode.PartialContent;
        if (!partialContent) have = 0;
        var total = response.Content.Headers.ContentRange?.Length ?? (response.Content.Headers.ContentLength + have);
        if (total is { } size)
        {
            var free = new DriveInfo(Path.GetPathRoot(Path.GetFullPath(partial))!).AvailableFreeSpace;
            if (size - have > free)
                throw new ModelDownloadException($"{source}: needs {Gb(size - have)} more, only {Gb(free)} free on {Path.GetDirectoryName(Path.GetFullPath(partial))}");
        }

        await using var file = new FileStream(partial, partialContent ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[1 << 16];
        var done = have;
        var reported = 0L;
        int read;
        while ((read = await body.ReadAsync(buffer, ct)) > 0)
        {
            await file.WriteAsync(buffer.AsMemory(0, read), ct);
            done += read;
            if (done - reported >= 1 << 18) { progress?.Report(new DownloadProgress(partial, done, total, have > 0)); reported = done; }
        }
        await file.FlushAsync(ct);
        progress?.Report(new DownloadProgress(partial, done, total, have > 0));
        if (total is { } expected && done < expected) throw new IOException($"connection closed after {done} of {expected} bytes");
        return true;
    }

    public static async Task<string> Sha256OfAsync(string path, CancellationToken ct)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
    }

    private static string Gb(long bytes) => $"{bytes / (double)(1L << 30):0.##} GB";
}
