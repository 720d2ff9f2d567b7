using System.Text.Json;
using System.Text.Json.Serialization;

namespace Appliance.SimulatedMacOS;

/// <summary>
/// Everything the simulated Mac remembers between commands: kernel settings, launchd's jobs, pf,
/// the local directory service, and file ownership (the sandbox's files are real files under the
/// root; their macOS owner and mode live here because the host's users are not macOS's).
/// </summary>
public sealed class MacState
{
    public string ProductVersion { get; set; } = "15.5";
    public string Architecture { get; set; } = "arm64";
    public bool SipEnabled { get; set; } = true;
    public bool FileVaultOn { get; set; } = true;
    public long FreeDiskBytes { get; set; } = 1L << 40;

    public Dictionary<string, string> Sysctl { get; set; } = new();
    public Dictionary<string, string> Pmset { get; set; } = new();
    public Dictionary<string, bool> SpotlightIndexing { get; set; } = new();
    public bool ApplicationFirewall { get; set; }
    public bool StealthMode { get; set; }

    /// <summary>Homebrew formulae an admin installed by hand (a stock Mac has none, nor Homebrew).</summary>
    public List<string> Homebrew { get; set; } = new();

    public PfState Pf { get; set; } = new();
    public Dictionary<string, LaunchdJob> Jobs { get; set; } = new();
    public Dictionary<string, MacUser> Users { get; set; } = new();
    public Dictionary<string, MacGroup> Groups { get; set; } = new();
    public Dictionary<string, FileOwnership> Files { get; set; } = new();

    /// <summary>Failures the test asks for: the next command line starting with Match fails.</summary>
    public List<InjectedFault> Faults { get; set; } = new();

    public int NextPid { get; set; } = 400;

    public static MacState Load(string file) =>
        JsonSerializer.Deserialize(File.ReadAllText(file), MacStateJson.Default.MacState)
        ?? throw new InvalidDataException($"{file}: empty simulated macOS state");

    public string ToJson() => JsonSerializer.Serialize(this, MacStateJson.Default.MacState);

    /// <summary>Written to a temporary file and renamed, so a killed command never leaves half a state.</summary>
    public void Save(string file)
    {
        var temp = file + ".tmp";
        File.WriteAllText(temp, ToJson());
        File.Move(temp, file, overwrite: true);
    }

    // A stock macOS creates files 0644 and folders 0755.
    private const UnixFileMode StockFile = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode StockFolder = StockFile | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    public FileOwnership OwnershipOf(string macPath, bool isDirectory) =>
        Files.TryGetValue(macPath, out var o) ? o : new FileOwnership("root", "wheel", isDirectory ? StockFolder : StockFile);
}

public sealed class PfState
{
    public bool Enabled { get; set; }
    public List<PfToken> Tokens { get; set; } = new();
    public int NextToken { get; set; } = 1000;

    /// <summary>Anchor name → the rule lines loaded in the kernel.</summary>
    public Dictionary<string, List<string>> Anchors { get; set; } = new();
    public int States { get; set; }
}

public sealed record PfToken(int Token, string Process, DateTimeOffset Since);

public sealed class LaunchdJob
{
    public required string Label { get; set; }
    public required string PlistPath { get; set; }
    public bool Enabled { get; set; } = true;

    /// <summary>After a bootout the job keeps running briefly; launchctl print still finds it this many more times.</summary>
    public int StoppingPolls { get; set; }
    public int? Pid { get; set; }
    public int LastExitCode { get; set; }
    public List<string> ProgramArguments { get; set; } = new();
}

public sealed record MacUser(string Name, int Uid, int Gid, string Shell, string Home)
{
    public Dictionary<string, string> Attributes { get; init; } = new();
}

public sealed class MacGroup
{
    public required string Name { get; set; }
    public int Gid { get; set; }
    public List<string> Members { get; set; } = new();
}

public sealed record FileOwnership(string Owner, string Group, UnixFileMode Mode);

public sealed class InjectedFault
{
    public required string Match { get; set; }
    public int ExitCode { get; set; } = 1;
    public string StandardError { get; set; } = "";
    public int Remaining { get; set; } = 1;
}

/// <summary>Source-generated serialisation: every simulated command starts a process, so start-up time matters.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(MacState))]
internal sealed partial class MacStateJson : JsonSerializerContext;
