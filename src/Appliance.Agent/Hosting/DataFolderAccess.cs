namespace Appliance.Agent.Hosting;

/// <summary>
/// The data folder holds the index (document text), the query log and the keys: only the agent's
/// account may enter it (0700, as the provisioner declares it). Started outside a provisioned box,
/// or after `appliance ingest` created the folder with the default umask, the agent tightens it
/// itself rather than serve from a folder other accounts can read.
/// </summary>
public static class DataFolderAccess
{
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <returns>the mode the folder had when it had to be tightened, or null when it was already owner-only (or new)</returns>
    public static UnixFileMode? Restrict(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
            return null;
        }
        if (!Directory.Exists(folder))
        {
            Directory.CreateDirectory(folder, OwnerOnly);
            return null;
        }
        var mode = File.GetUnixFileMode(folder);
        if ((mode & ~OwnerOnly) == 0) return null;
        File.SetUnixFileMode(folder, mode & OwnerOnly);
        return mode;
    }
}
