namespace Appliance.SimulatedMacOS;

/// <summary>Serialises commands on one simulated Mac (launchd may run a job while another command runs).</summary>
internal sealed class StateLock(FileStream file) : IDisposable
{
    public static StateLock Acquire(string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new StateLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (attempt < 2400)
            {
                Thread.Sleep(25);
            }
        }
    }

    public void Dispose() => file.Dispose();
}
