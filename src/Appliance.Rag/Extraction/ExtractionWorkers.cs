using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Appliance.Config;
using Appliance.Exec;

namespace Appliance.Rag.Extraction;

/// <summary>How a worker's reading of one file ended.</summary>
internal abstract record WorkerAnswer
{
    public sealed record Read(ExtractionOutcome Outcome) : WorkerAnswer;

    /// <summary>The worker died reading it: its exit code and what it wrote to standard error.</summary>
    public sealed record Died(int ExitCode, string Error) : WorkerAnswer;

    public sealed record TimedOut : WorkerAnswer;
}

/// <summary>
/// Long-lived `appliance extract --serve` processes, each reading one file at a time under the
/// memory limit. Measured on the sample PDF: a fresh process per file costs about 0.45 s of CPU
/// (start-up and compiling the parser), a warm worker reads it in about 20 ms. A worker that
/// crashes or overruns the time limit is killed with its children and replaced; only the file it
/// was reading fails. Workers exit by themselves when idle for a minute or when this process ends
/// (their standard input closes), so nothing needs disposing. Long-lived processes with a
/// conversation are beyond <see cref="ICommandRunner"/>'s one-shot commands, hence Process here.
/// </summary>
internal sealed class ExtractionWorkers(Command program, ExtractionLimits limits)
{
    private readonly ConcurrentBag<Worker> _idle = [];

    public async Task<WorkerAnswer> ReadAsync(ExtractionRequest request, CancellationToken cancellationToken)
    {
        var line = JsonSerializer.Serialize(request, ExtractionChild.Json);
        var timeout = TimeSpan.FromSeconds(limits.TimeoutSeconds);
        // A worker taken from the bag may have just exited for being idle: the file goes to a fresh one.
        for (var attempt = 1; ; attempt++)
        {
            var worker = await TakeAsync(cancellationToken);
            string? answer;
            try
            {
                answer = await worker.AskAsync(line, timeout, cancellationToken);
            }
            catch (TimeoutException)
            {
                worker.Kill();
                return new WorkerAnswer.TimedOut();
            }
            catch (OperationCanceledException)
            {
                worker.Kill();
                throw;
            }
            catch (IOException e)
            {
                // Its standard input is closed: it exited (idle, most likely) before the request arrived.
                worker.Kill();
                if (attempt == 1) continue;
                return new WorkerAnswer.Died(-1, e.Message);
            }
            if (answer is not null)
            {
                try
                {
                    var outcome = JsonSerializer.Deserialize<ExtractionOutcome>(answer, ExtractionChild.Json)
                        ?? throw new JsonException("an empty answer");
                    _idle.Add(worker);
                    return new WorkerAnswer.Read(outcome);
                }
                catch (JsonException e)
                {
                    worker.Kill();
                    return new WorkerAnswer.Died(-1, $"an answer that is not the reader's JSON ({e.Message})");
                }
            }
            var (exitCode, error) = await worker.EndedAsync();
            if (exitCode == 0 && attempt == 1) continue;
            return new WorkerAnswer.Died(exitCode, error);
        }
    }

    private async Task<Worker> TakeAsync(CancellationToken cancellationToken)
    {
        while (_idle.TryTake(out var worker))
        {
            if (!worker.HasExited) return worker;
            worker.Kill();
        }
        return await Worker.StartAsync(program, limits, cancellationToken);
    }

    /// <summary>How long a new worker may take to say it is ready (the time limit per file counts after that).</summary>
    private static readonly TimeSpan StartUp = TimeSpan.FromSeconds(60);

    private sealed class Worker
    {
        private readonly Process _process;
        private readonly StringBuilder _errors = new();

        private Worker(Process process) => _process = process;

        public bool HasExited => _process.HasExited;

        public static async Task<Worker> StartAsync(Command program, ExtractionLimits limits, CancellationToken cancellationToken)
        {
            var start = new ProcessStartInfo(program.Program)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                StandardInputEncoding = new UTF8Encoding(false),
                StandardOutputEncoding = Encoding.UTF8,
                StandardErrorEncoding = Encoding.UTF8,
            };
            foreach (var argument in program.Arguments) start.ArgumentList.Add(argument);
            start.ArgumentList.Add(IsolatedExtractor.Verb);
            start.ArgumentList.Add("--serve");
            foreach (var (name, value) in program.Environment)
                if (value is null) start.Environment.Remove(name);
                else start.Environment[name] = value;
            // The managed heap is all a PDF can fill (the parser is managed code); past this the worker gets OutOfMemoryException.
            start.Environment["DOTNET_GCHeapHardLimit"] = "0x" + (limits.MemoryMb * 1024L * 1024L).ToString("X", CultureInfo.InvariantCulture);
            // A file's reader never needs the server GC's heap per core.
            start.Environment["DOTNET_gcServer"] = "0";
            Process process;
            try
            {
                process = Process.Start(start) ?? throw new ExtractionException($"the reader process cannot be started ({program})");
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new ExtractionException($"the reader process cannot be started ({program}: {e.Message})", e);
            }
            var worker = new Worker(process);
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (worker._errors) worker._errors.AppendLine(e.Data);
            };
            process.BeginErrorReadLine();
            string? first;
            try
            {
                first = await process.StandardOutput.ReadLineAsync(cancellationToken).AsTask().WaitAsync(StartUp, cancellationToken);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                worker.Kill();
                if (e is OperationCanceledException) throw;
                throw new ExtractionException($"the reader process did not start within {StartUp.TotalSeconds:0} s ({program})");
            }
            if (first == ExtractionChild.Ready) return worker;
            var (code, error) = await worker.EndedAsync();
            throw new ExtractionException($"the reader process did not start ({program}, exit code {code}): {error.Trim()}");
        }

        /// <returns>the answer's line; null when the worker ended instead of answering</returns>
        public async Task<string?> AskAsync(string request, TimeSpan timeout, CancellationToken cancellationToken)
        {
            lock (_errors) _errors.Clear();
            await _process.StandardInput.WriteLineAsync(request.AsMemory(), cancellationToken);
            await _process.StandardInput.FlushAsync(cancellationToken);
            return await _process.StandardOutput.ReadLineAsync(cancellationToken).AsTask().WaitAsync(timeout, cancellationToken);
        }

        /// <summary>The exit code and error output of a worker whose answer never came.</summary>
        public async Task<(int ExitCode, string Error)> EndedAsync()
        {
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                Kill();
                return (-1, "closed its output without ending");
            }
            string error;
            lock (_errors) error = _errors.ToString();
            var code = _process.ExitCode;
            _process.Dispose();
            return (code, error);
        }

        public void Kill()
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
            _process.Dispose();
        }
    }
}
