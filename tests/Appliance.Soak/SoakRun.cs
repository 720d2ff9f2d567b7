using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Appliance.Soak;

public sealed record SoakOptions(TimeSpan Duration, int Clients = 64, int QueueLimit = 16, int Parallel = 4, int Seed = 1121, bool CheckRss = true, int UploadPercent = 10);

/// <summary>Sets up a scratch appliance, runs the load against the real agent process, and reports.</summary>
public static class SoakRun
{
    public static async Task<SoakReport> RunAsync(SoakOptions options, IProgress<string>? progress, CancellationToken ct)
    {
        using var box = new SoakBox(options.Clients, options.QueueLimit, options.Parallel);
        progress?.Report($"scratch appliance in {box.Folder}: {options.Clients} users, queue limit {options.QueueLimit}, {options.Parallel} parallel sequences");

        var ingest = await AgentProcess.VerbAsync(box, ct, "ingest");
        if (!ingest.Succeeded) throw new InvalidOperationException($"appliance ingest failed ({ingest.ExitCode}):\n{ingest.StandardOutput}\n{ingest.StandardError}");
        var token = await AgentProcess.VerbAsync(box, ct, "users", "token", SoakBox.Admin, "--label", "soak");
        if (!token.Succeeded) throw new InvalidOperationException($"appliance users token failed: {token.StandardError}");
        box.AdminToken = token.StandardOutput.Trim();

        SoakReport report;
        await using (var agent = await AgentProcess.StartAsync(box, ct))
        {
            progress?.Report($"agent pid {agent.Pid} on {agent.Address}; issuing {options.Clients} API tokens");
            await IssueTokensAsync(agent, box, ct);
            var run = new LoadRun(agent, box, options.Duration, options.Seed, options.UploadPercent);
            await run.RunAsync(progress, ct);
            var rssEnd = agent.HasExited ? 0 : agent.ResidentBytes();
            var exit = await agent.StopAsync();
            var chain = await AgentProcess.VerbAsync(box, ct, "log", "verify");
            report = SoakReport.From(run, box, options.Duration, options.QueueLimit, options.Parallel, rssEnd,
                chain.Succeeded, (chain.StandardOutput + chain.StandardError).Trim(), exit, options.CheckRss);
            if (!OperatingSystem.IsWindows())
                report = report with { Violations = [.. report.Violations, .. LogAndFileChecks(box, agent.LogFile)] };
            if (!report.Passed) progress?.Report($"agent log: {agent.LogFile}\n{AgentProcess.Tail(agent.LogFile)}");
        }
        return report;
    }

    /// <summary>
    /// With query_log: hashed no question may appear in the agent's own log, and no API token ever;
    /// the agent's secrets (query-log key, session keys) must be readable by its owner only.
    /// </summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static IEnumerable<string> LogAndFileChecks(SoakBox box, string logFile)
    {
        var log = File.ReadAllText(logFile);
        foreach (var question in LoadRun.Questions.Where(q => q.Length > 12 && log.Contains(q, StringComparison.Ordinal)))
            yield return $"question text appears in the agent log although query_log is hashed: \"{question}\"";
        foreach (var user in box.Users.Where(u => u.Token.Length > 0 && log.Contains(u.Token, StringComparison.Ordinal)))
            yield return $"the API token of {user.Name} appears in the agent log";
        if (box.AdminToken.Length > 0 && log.Contains(box.AdminToken, StringComparison.Ordinal))
            yield return "the admin's API token appears in the agent log";
        // The provisioner declares the data folder 0700 (dir.data); the agent holds it to that itself.
        var folder = File.GetUnixFileMode(box.DataFolder);
        if ((folder & ~(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute)) != 0)
            yield return $"the data folder is open to other accounts (mode {Convert.ToString((int)folder, 8)}, expected 700)";
        foreach (var secret in Directory.EnumerateFileSystemEntries(box.DataFolder).Where(p => Path.GetFileName(p) is "querylog.key" or "session-keys"))
        {
            var mode = File.GetUnixFileMode(secret);
            if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
                yield return $"{Path.GetFileName(secret)} is readable or writable by others (mode {Convert.ToString((int)mode, 8)})";
        }
    }

    /// <summary>Gives every soak user an API token through the admin API (the box's admin token must be set).</summary>
    public static async Task IssueTokensAsync(AgentProcess agent, SoakBox box, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = agent.Address };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", box.AdminToken);
        foreach (var user in box.Users)
        {
            using var response = await http.PostAsJsonAsync("/api/admin/tokens", new { user = user.Name, name = "soak" }, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"issuing a token for {user.Name} gave {(int)response.StatusCode}: {body}");
            using var issued = JsonDocument.Parse(body);
            user.Token = issued.RootElement.GetProperty("secret").GetString()!;
        }
    }
}
