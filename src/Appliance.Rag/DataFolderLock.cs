namespace Appliance.Rag;

/// <summary>How a process opens the library: as the one writer of its data folder, or to read beside it.</summary>
public enum LibraryAccess
{
    /// <summary>Syncs, uploads and erasures; holds the data folder's writer lock while open.</summary>
    ReadWrite,

    /// <summary>Search and listings only, beside a running writer (e.g. the audit export while the agent serves).</summary>
    ReadOnly,
}

/// <summary>
/// One writer per data folder, across processes: an exclusive lock on <c>library.lock</c> (an
/// advisory <c>flock</c> on Unix), held while a library is open for writing. The kernel drops it
/// when the holder exits, however it exits, so a kill -9 leaves nothing stale behind; who holds it
/// is written beside it, for the message the next writer gets.
/// </summary>
internal sealed class DataFolderLock : IDisposable
{
    public const string FileName = "library.lock";
    private const string HolderFileName = "library.lock.holder";

    private readonly FileStream _lock;

    private DataFolderLock(FileStream handle) => _lock = handle;

    /// <exception cref="DocumentLibraryException">with <see cref="LibraryError.Busy"/> when another process writes the folder</exception>
    public static DataFolderLock Acquire(string folder, string holder)
    {
        Directory.CreateDirectory(folder);
        FileStream handle;
        try
        {
            handle = new FileStream(Path.Combine(folder, FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            var who = File.Exists(Path.Combine(folder, HolderFileName))
                ? File.ReadAllText(Path.Combine(folder, HolderFileName)).Trim()
                : "another process";
            throw new DocumentLibraryException(LibraryError.Busy,
                $"the data folder {folder} is being written by {who}; one writer at a time per data folder");
        }
        File.WriteAllText(Path.Combine(folder, HolderFileName),
            $"{holder} (pid {Environment.ProcessId}, since {DateTimeOffset.Now:yyyy-MM-dd HH:mm:ss})\n");
        return new DataFolderLock(handle);
    }

    /// <summary>This process, as a person would name it: "appliance serve", "appliance ingest".</summary>
    public static string ThisProcess()
    {
        var arguments = Environment.GetCommandLineArgs();
        var program = Path.GetFileNameWithoutExtension(arguments[0]);
        return arguments.Length > 1 ? $"{program} {arguments[1]}" : program;
    }

    public void Dispose() => _lock.Dispose();
}
