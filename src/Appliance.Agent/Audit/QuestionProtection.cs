using System.Security.Cryptography;
using System.Text;
using Appliance.Config;

namespace Appliance.Agent.Audit;

/// <summary>
/// How a question is kept in the log: verbatim (`full`), as a keyed hash (`hashed`: the DPO can
/// check whether a given question was asked, nobody can read questions back), or not at all (`off`).
/// </summary>
public sealed class QuestionProtection
{
    private readonly byte[] _key;

    private QuestionProtection(QueryLogMode mode, byte[] key) => (Mode, _key) = (mode, key);

    public QueryLogMode Mode { get; }

    public string ModeName => Mode switch { QueryLogMode.Full => "full", QueryLogMode.Hashed => "hashed", _ => "off" };

    /// <summary>Reads the log's key from the data folder, creating it (readable by the agent only) on first use.</summary>
    public static QuestionProtection Load(QueryLogMode mode, string keyFile)
    {
        if (!File.Exists(keyFile))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(keyFile)!);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            try
            {
                using var stream = new FileStream(keyFile, options);
                stream.Write(RandomNumberGenerator.GetBytes(32));
            }
            catch (IOException) when (File.Exists(keyFile))
            {
                // another process created it first; use theirs
            }
        }
        return new QuestionProtection(mode, File.ReadAllBytes(keyFile));
    }

    public string? Protect(string? question) => question is null ? null : Mode switch
    {
        QueryLogMode.Full => question,
        QueryLogMode.Hashed => "hmac-sha256:" + Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(question))),
        _ => null,
    };
}
