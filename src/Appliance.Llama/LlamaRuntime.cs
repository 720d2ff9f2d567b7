using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Appliance.Llama.Native;
using Microsoft.Extensions.Logging;

namespace Appliance.Llama;

/// <summary>
/// The loaded native llama.cpp: library resolution, backends, logging, llama_backend_init.
/// The native library is process-wide state, so there is exactly one runtime per process; the
/// first <see cref="Load"/> decides the folder and the log destination.
/// </summary>
public sealed class LlamaRuntime
{
    private static readonly Lock Gate = new();
    private static LlamaRuntime? _loaded;

    private readonly LlamaLogSink _log;

    private LlamaRuntime(NativeFolder folder, LlamaLogSink log, int backendCount)
    {
        Folder = folder;
        _log = log;
        BackendCount = backendCount;
    }

    public NativeFolder Folder { get; }
    public int BackendCount { get; }

    /// <summary>The most recent errors llama.cpp logged, newest last (for clear load errors).</summary>
    public IReadOnlyList<string> RecentErrors => _log.RecentErrors;

    public static LlamaRuntime Load(ILoggerFactory loggers) => Load(NativeFolder.Locate(), loggers);

    public static unsafe LlamaRuntime Load(NativeFolder folder, ILoggerFactory loggers)
    {
        lock (Gate)
        {
            if (_loaded is not null) return _loaded;

            var libraries = new Dictionary<string, string>
            {
                ["llama"] = folder.LlamaLibrary,
                ["ggml"] = folder.GgmlLibrary,
                ["ggml-base"] = folder.GgmlBaseLibrary,
            };
            // Say which file is missing, in words, before the loader says it with a stack trace.
            var missing = libraries.Values.Where(path => !File.Exists(path)).Select(Path.GetFileName).ToList();
            if (missing.Count > 0)
                throw new NativeLibraryMissingException(
                    $"{string.Join(", ", missing)} {(missing.Count == 1 ? "is" : "are")} not in {folder.Path} (run `make setup`, or point APPLIANCE_NATIVE_DIR at the folder that holds the pinned build)");
            NativeLibrary.SetDllImportResolver(typeof(LlamaApi).Assembly, (name, _, _) =>
            {
                if (!libraries.TryGetValue(name, out var path)) return 0;
                try
                {
                    return NativeLibrary.Load(path);
                }
                catch (DllNotFoundException e)
                {
                    throw new NativeLibraryMissingException($"{path} does not load: {e.Message.Split('\n')[0]}");
                }
            });

            var sink = new LlamaLogSink(loggers.CreateLogger("llama.cpp"));
            // The sink lives as long as the process: llama.cpp may log from any later call.
            var handle = GCHandle.Alloc(sink);
            LlamaApi.llama_log_set(&LlamaLogSink.OnLog, (void*)GCHandle.ToIntPtr(handle));

            // Without a path ggml searches the dotnet host's folder and finds no backend at all.
            var dir = Encoding.UTF8.GetBytes(folder.Path + "\0");
            fixed (byte* p = dir) LlamaApi.ggml_backend_load_all_from_path(p);
            var backends = (int)LlamaApi.ggml_backend_reg_count();
            if (backends == 0)
                throw new NativeLibraryMissingException($"no ggml backend could be loaded from {folder.Path}: {string.Join("; ", sink.RecentErrors)}");
            LlamaApi.llama_backend_init();
            return _loaded = new LlamaRuntime(folder, sink, backends);
        }
    }

    public unsafe string SystemInfo => Marshal.PtrToStringUTF8((nint)LlamaApi.llama_print_system_info()) ?? "";
}

/// <summary>Forwards llama.cpp/ggml log lines to an ILogger: errors and warnings surface, the rest is debug.</summary>
internal sealed class LlamaLogSink(ILogger logger)
{
    private const int Continuation = 5;
    private readonly Lock _gate = new();
    private readonly StringBuilder _pending = new();
    private readonly Queue<string> _recentErrors = new();
    private int _pendingLevel;

    public IReadOnlyList<string> RecentErrors
    {
        get { lock (_gate) return [.. _recentErrors]; }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static unsafe void OnLog(int level, byte* text, void* userData)
    {
        if (GCHandle.FromIntPtr((nint)userData).Target is LlamaLogSink sink)
            sink.Write(level, Marshal.PtrToStringUTF8((nint)text) ?? "");
    }

    private void Write(int level, string text)
    {
        lock (_gate)
        {
            if (level != Continuation)
            {
                Flush();
                _pendingLevel = level;
            }
            _pending.Append(text);
            if (text.EndsWith('\n')) Flush();
        }
    }

    private void Flush()
    {
        if (_pending.Length == 0) return;
        var message = _pending.ToString().TrimEnd();
        _pending.Clear();
        var level = _pendingLevel switch
        {
            4 => LogLevel.Error,
            3 => LogLevel.Warning,
            2 => LogLevel.Debug,
            _ => LogLevel.Trace,
        };
        if (level >= LogLevel.Warning)
        {
            _recentErrors.Enqueue(message);
            while (_recentErrors.Count > 20) _recentErrors.Dequeue();
        }
        if (logger.IsEnabled(level)) logger.Log(level, "{Message}", message);
    }
}
