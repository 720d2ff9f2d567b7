using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Appliance.Exec;

namespace Appliance.Soak;

/// <summary>The real agent, started as its own process on a free loopback port, as a user would run it.</summary>
public sealed class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private AgentProcess(Process process, Uri address, StreamWriter log, string logFile)
    {
        _process = process;
        Address = address;
        _log = log;
        LogFile = logFile;
    }

    public Uri Address { get; }
    public string LogFile { get; }

    /// <summary>The agent's own process id, also when it runs under a wrapper such as strace.</summary>
    public int Pid => _wrapped ? WrappedChild() : _process.Id;
    private bool _wrapped;
    public bool HasExited => _process.HasExited;

    public static string AgentDll => Path.Combine(SoakBox.RepositoryRoot, "src", "Appliance.Agent", "bin", "Release", "net10.0", "appliance.dll");

    /// <summary>Runs an `appliance` admin verb (ingest, users token, log verify) against the box's config.</summary>
    public static Task<CommandResult> VerbAsync(SoakBox box, CancellationToken ct, params string[] arguments) =>
        new LocalCommandRunner().RunAsync(Command.Of("dotnet", [AgentDll, .. arguments, "--config", box.ConfigFile])
            .WithTimeout(TimeSpan.FromMinutes(10)).WithEnvironment("DOTNET_gcServer", "0"), ct);

    /// <param name="wrapper">a program and its arguments that run the agent, e.g. strace; the agent's command line follows them</param>
    /// <param name="environment">variables set for the agent (e.g. APPLIANCE_NATIVE_DIR)</param>
    public static async Task<AgentProcess> StartAsync(SoakBox box, CancellationToken ct, IReadOnlyList<string>? wrapper = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        if (!File.Exists(AgentDll)) throw new FileNotFoundException($"{AgentDll} is missing: run `make build`");
        var port = FreePort();
        var address = new Uri($"http://127.0.0.1:{port}");
        string[] command = [.. wrapper ?? [], "dotnet", AgentDll, "serve", "--config", box.ConfigFile, "--urls", address.ToString().TrimEnd('/')];
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in command[1..]) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        var logFile = Path.Combine(box.Folder, "agent.log");
        var log = new StreamWriter(logFile) { AutoFlush = true };
        var process = Process.Start(start) ?? throw new InvalidOperationException("the agent did not start");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var agent = new AgentProcess(process, address, log, logFile) { _wrapped = wrapper is { Count: > 0 } };

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            await Eventually(async () =>
            {
                if (process.HasExited)
                    throw new InvalidOperationException($"the agent exited with {process.ExitCode} while starting; see {logFile}:\n{Tail(logFile)}");
                try
                {
                    return (await http.GetAsync(new Uri(address, "/healthz"), ct)).StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException) { return false; }
                catch (TaskCanceledException) when (!ct.IsCancellationRequested) { return false; }
            }, TimeSpan.FromMinutes(3), $"the agent answers /healthz (log: {logFile})");
            return agent;
        }
        catch
        {
            await agent.DisposeAsync();
            throw;
        }
    }

    private int WrappedChild()
    {
        var children = File.ReadAllText($"/proc/{_process.Id}/task/{_process.Id}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return children.Length == 1 ? int.Parse(children[0]) : throw new InvalidOperationException($"expected one child under the wrapper, found {children.Length}");
    }

    /// <summary>Resident memory of the agent process, from /proc.</summary>
    public long ResidentBytes()
    {
        var status = File.ReadAllLines($"/proc/{Pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return status is null ? 0 : long.Parse(status.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }

    /// <summary>
    /// Waits until the agent's own syncing (the sync at start, any queued behind it) has ended, for
    /// tests that compare searches before and after something and need the index to hold still.
    /// </summary>
    public async Task WaitForSyncAsync(string adminToken, CancellationToken ct)
    {
        using var http = Client(adminToken, TimeSpan.FromSeconds(30));
        await Eventually(async () =>
        {
            using var status = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("/api/ingest", ct));
            return status.RootElement.GetProperty("state").GetString() != "running" && status.RootElement.GetProperty("queued").GetArrayLength() == 0;
        }, TimeSpan.FromMinutes(5), "the agent's sync at start ends");
    }

    /// <summary>An HTTP client that calls the agent with an API token.</summary>
    public HttpClient Client(string token, TimeSpan timeout)
    {
        var http = new HttpClient { BaseAddress = Address, Timeout = timeout };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>SIGKILL, as a power cut or the OOM killer would: no shutdown hooks, no flush.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit();
    }

    /// <summary>Asks the agent to stop as launchd would (SIGTERM) and waits for the graceful drain.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            await new LocalCommandRunner().RunAsync(Command.Of("kill", "-TERM", Pid.ToString()));
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try { await _process.WaitForExitAsync(wait.Token); }
            catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); await _process.WaitForExitAsync(); }
        }
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
        lock (_log) _log.Dispose();
    }

    public static string Tail(string file) =>
        File.Exists(file) ? string.Join('\n', File.ReadLines(file).TakeLast(30)) : "";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
