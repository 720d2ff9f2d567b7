using System.Net;

namespace Appliance.Config;

/// <summary>The whole declarative configuration of one appliance, as written in appliance.yaml.</summary>
public sealed record ApplianceConfig
{
    public required ApplianceIdentity Appliance { get; init; }
    public required MachineSpec Machine { get; init; }
    public required NetworkPolicy Network { get; init; }
    public required ModelSet Models { get; init; }
    public InferenceSettings Inference { get; init; } = new();
    public RagSettings Rag { get; init; } = new();
    public AuthSettings Auth { get; init; } = new();
    public required PrivacySettings Privacy { get; init; }
    public SystemSettings System { get; init; } = new();
    public StorageSettings Storage { get; init; } = new();

    [Doc("encrypted backups of everything the box alone holds (documents, query log, users, keys, state)")]
    public BackupSettings Backup { get; init; } = new();

    [Doc("work the box does while the office sleeps: people's jobs over documents, and scheduled digests")]
    public JobSettings Jobs { get; init; } = new();
}

public sealed record ApplianceIdentity
{
    [Doc("a human name for this box, shown on the web page and in audit packs")]
    public required string Name { get; init; }

    [Doc("the box's host name on the LAN"), HostName]
    public required string Hostname { get; init; }

    [Doc("who looks after the box (e-mail or phone)")]
    public required string AdminContact { get; init; }
}

public enum Chip { M1Max, M1Ultra, M2Max, M2Ultra, M3Max, M3Ultra, M4Max, M4Pro, M5Max }

public sealed record MachineSpec
{
    public required Chip Chip { get; init; }

    [Range(8, 1024)]
    public required int MemoryGb { get; init; }
}

public sealed record NetworkPolicy
{
    [Doc("subnets whose clients may reach the agent"), MinCount(1)]
    public required IReadOnlyList<IPNetwork> OfficeSubnets { get; init; }

    [Doc("hosts (address or CIDR) that may log in over SSH")]
    public IReadOnlyList<IPNetwork> AdminHosts { get; init; } = [];

    [MinCount(1)]
    public required IReadOnlyList<IPAddress> DnsServers { get; init; }

    [MinCount(1)]
    public required IReadOnlyList<IPAddress> NtpServers { get; init; }

    [Range(1, 65535)]
    public int AgentPort { get; init; } = 8443;

    public TlsSettings Tls { get; init; } = new();

    [Doc("a weekly window in which egress opens for macOS updates; absent = never")]
    public UpdateWindow? UpdateWindow { get; init; }

    [Doc("whether the LAN uses IPv6; when false all inet6 traffic is blocked")]
    public bool Ipv6 { get; init; }
}

public sealed record TlsSettings
{
    public bool Enabled { get; init; } = true;

    [Doc("PEM certificate; absent = the provisioner creates a self-signed one")]
    public string? Certificate { get; init; }

    public string? Key { get; init; }
}

public enum Weekday { Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday }

public sealed record UpdateWindow
{
    public required Weekday Day { get; init; }
    public required TimeOnly Start { get; init; }

    [Range(15, 720)]
    public int DurationMinutes { get; init; } = 120;
}

public sealed record ModelSet
{
    public required ModelSpec Chat { get; init; }
    public required ModelSpec Embedding { get; init; }
    public ModelSpec? Reranker { get; init; }
}

public sealed record ModelSpec
{
    public required string Name { get; init; }

    [Doc("GGUF file; relative paths are resolved against storage.models")]
    public required string File { get; init; }

    public required Sha256 Sha256 { get; init; }

    [Doc("where `provision models pull` fetches it (https)")]
    public Uri? Source { get; init; }

    public string? License { get; init; }

    [Range(256, 1048576)]
    public int ContextLength { get; init; } = 8192;

    [Doc("sequences decoded together (continuous batching)"), Range(1, 256)]
    public int Parallel { get; init; } = 4;
}

public enum InferenceBackend { Llama, [ConfigName("openai")] OpenAi }

public sealed record InferenceSettings
{
    public InferenceBackend Backend { get; init; } = InferenceBackend.Llama;

    [Doc("OpenAI-compatible base URLs, used when backend is openai")]
    public IReadOnlyList<Uri> Upstreams { get; init; } = [];

    [Doc("CPU threads for llama.cpp: auto or a number")]
    public AutoOrNumber Threads { get; init; } = AutoOrNumber.Auto;

    [Doc("iogpu.wired_limit_mb: auto (computed from RAM and models) or megabytes")]
    public AutoOrNumber GpuWiredLimitMb { get; init; } = AutoOrNumber.Auto;

    [Doc("requests waiting beyond the parallel sequences before the agent answers 429"), Range(0, 10000)]
    public int QueueLimit { get; init; } = 64;
}

public sealed record RagSettings
{
    [Range(32, 8192)]
    public int ChunkTokens { get; init; } = 400;

    [Range(0, 4096)]
    public int ChunkOverlapTokens { get; init; } = 60;

    public HybridWeights Hybrid { get; init; } = new();

    [Range(1, 100)]
    public int TopK { get; init; } = 6;

    [Doc("files larger than this are skipped with a reason"), Range(1, 4096)]
    public int MaxFileMb { get; init; } = 100;

    [Range(1, 1024)]
    public int MaxUploadMb { get; init; } = 50;

    [Doc("how the agent keeps the collections' source folders in sync by itself")]
    public SyncSettings Sync { get; init; } = new();

    [Doc("limits for reading one PDF or image, which happens in a child process so a hostile file fails alone")]
    public ExtractionLimits Extraction { get; init; } = new();

    [Doc("text recognition for scans: image-only PDF pages, PNG, JPEG, TIFF")]
    public OcrSettings Ocr { get; init; } = new();

    public IReadOnlyList<Collection> Collections { get; init; } = [];
}

/// <summary>
/// Automatic sync: a file saved into a source folder is indexed seconds after it is closed, a deleted
/// one disappears; a periodic full sync catches what no notification reported (network shares).
/// </summary>
public sealed record SyncSettings
{
    [Doc("whether the agent syncs source folders by itself (at start, on file changes, and periodically); off = only `appliance ingest` and POST /api/ingest")]
    public bool Enabled { get; init; } = true;

    [Doc("seconds a changed file must stay unchanged before it is indexed (a file still being written or copied)"), Range(1, 600)]
    public int SettleSeconds { get; init; } = 2;

    [Doc("minutes between full syncs of every folder, the safety net for changes no notification reported"), Range(5, 10080)]
    public int IntervalMinutes { get; init; } = 60;

    [Doc("hours in the box's time zone when the office is quiet; when set, full syncs run only then (changed files are still indexed at once)")]
    public QuietHours? QuietHours { get; init; }
}

/// <summary>A daily window, possibly across midnight (20:00–06:00).</summary>
public sealed record QuietHours
{
    /// <summary>The night when appliance.yaml names no quiet hours.</summary>
    public static QuietHours Night { get; } = new() { Start = new TimeOnly(22, 0), End = new TimeOnly(6, 0) };

    public required TimeOnly Start { get; init; }
    public required TimeOnly End { get; init; }

    public bool Contains(TimeOnly time) =>
        Start <= End ? time >= Start && time < End : time >= Start || time < End;
}

/// <summary>
/// Jobs: named tasks over documents that run at the background class, one document at a time, now
/// or in the quiet hours; their results are documents of the person who asked. Digests: the admin's
/// nightly summary of each listed collection's new documents, for the recipient groups.
/// </summary>
public sealed record JobSettings
{
    [Doc("hours in the box's time zone when jobs for tonight, daily jobs and digests run; unset = rag.sync.quiet_hours, else 22:00–06:00")]
    public QuietHours? QuietHours { get; init; }

    [Doc("most tokens a job writes about one document"), Range(16, 2048)]
    public int TokensPerDocument { get; init; } = 384;

    [Doc("most documents one job reads (a larger selection is refused with its count)"), Range(1, 10000)]
    public int MaxDocuments { get; init; } = 500;

    [Doc("jobs one person may have waiting or running at once"), Range(1, 100)]
    public int PerPerson { get; init; } = 10;

    [Doc("a nightly digest of new documents per collection, for groups; off by default")]
    public DigestSettings Digests { get; init; } = new();

    /// <summary>The quiet hours jobs run in: their own, else the sync's, else <see cref="QuietHours.Night"/>.</summary>
    public QuietHours NightIn(RagSettings rag) => QuietHours ?? rag.Sync.QuietHours ?? Config.QuietHours.Night;
}

public sealed record DigestSettings
{
    [Doc("whether the box writes the digests every night in the quiet hours")]
    public bool Enabled { get; init; }

    [Doc("collections (rag.collections ids) that get a digest of their documents added since the last one")]
    public IReadOnlyList<string> Collections { get; init; } = [];

    [Doc("groups (auth.groups ids) that read the digests; each must be allowed to read every listed collection")]
    public IReadOnlyList<string> Recipients { get; init; } = [];
}

public sealed record ExtractionLimits
{
    [Doc("seconds one PDF or image may take to read, recognition included; then it is skipped with that reason"), Range(10, 86400)]
    public int TimeoutSeconds { get; init; } = 600;

    [Doc("megabytes of memory the reader of one file may use; beyond that the file is skipped with that reason"), Range(128, 65536)]
    public int MemoryMb { get; init; } = 1024;
}

public sealed record OcrSettings
{
    /// <summary>Where Debian's tesseract-ocr puts the program.</summary>
    public const string DebianTesseract = "/usr/bin/tesseract";

    /// <summary>Where Homebrew on Apple silicon puts it (the provisioner's pre-flight says how to install it).</summary>
    public const string MacTesseract = "/opt/homebrew/bin/tesseract";

    public const string DebianInstall = "apt-get install tesseract-ocr tesseract-ocr-deu tesseract-ocr-fra tesseract-ocr-ita tesseract-ocr-eng";

    /// <summary>`tesseract` brings English, `tesseract-lang` German, French and Italian (and the rest).</summary>
    public const string MacInstall = "brew install tesseract tesseract-lang";

    [Doc("read scans with Tesseract; when false (or Tesseract is missing) scans are skipped with that reason")]
    public bool Enabled { get; init; } = true;

    [Doc("absolute path of the tesseract program (never looked up in PATH); absent = /opt/homebrew/bin/tesseract on macOS, /usr/bin/tesseract elsewhere")]
    public string? Tesseract { get; init; }

    [Doc("seconds Tesseract may take for one page"), Range(5, 3600)]
    public int PageTimeoutSeconds { get; init; } = 120;

    /// <summary>The program the agent runs on a box of this kind: the configured path, else the platform's usual place.</summary>
    public string TesseractProgram(bool macOS) => Tesseract ?? (macOS ? MacTesseract : DebianTesseract);

    /// <summary>Tesseract's names for the collection languages; a collection in auto is read in all four.</summary>
    public static readonly IReadOnlyDictionary<DocumentLanguage, string> TesseractCodes = new Dictionary<DocumentLanguage, string>
    {
        [DocumentLanguage.De] = "deu",
        [DocumentLanguage.Fr] = "fra",
        [DocumentLanguage.It] = "ita",
        [DocumentLanguage.En] = "eng",
    };

    /// <summary>The Tesseract languages a collection in <paramref name="language"/> is read in.</summary>
    public static IReadOnlyList<string> TesseractLanguages(DocumentLanguage language) =>
        language == DocumentLanguage.Auto ? [.. TesseractCodes.Values] : [TesseractCodes[language]];

    /// <summary>The Tesseract languages the collections of a config need, sorted.</summary>
    public static IReadOnlyList<string> TesseractLanguages(IEnumerable<Collection> collections) =>
        [.. collections.SelectMany(c => TesseractLanguages(c.Language)).Distinct().Order(StringComparer.Ordinal)];
}

public sealed record HybridWeights
{
    [Range(0.0, 10.0)]
    public double Lexical { get; init; } = 1.0;

    // Measured on the bench sets: a confident vector list is worth two keyword lists' best match.
    [Range(0.0, 10.0)]
    public double Vector { get; init; } = 2.0;
}

public sealed record Collection
{
    [Identifier]
    public required string Id { get; init; }

    public required string Title { get; init; }

    [Doc("folders whose documents are ingested")]
    public IReadOnlyList<string> Sources { get; init; } = [];

    [Doc("groups whose members may read this collection"), MinCount(1)]
    public required IReadOnlyList<string> Groups { get; init; }

    [Doc("whether members may upload documents into it")]
    public bool Uploads { get; init; }

    [Doc("the language of its documents, for word stems and German compounds: de, fr, it, en, or auto (detected per document; questions are searched in every language the collection holds)")]
    public DocumentLanguage Language { get; init; } = DocumentLanguage.Auto;

    [Doc("personal-data categories held, for the records of processing")]
    public IReadOnlyList<string> DataCategories { get; init; } = [];
}

/// <summary>The language of a collection's documents, as appliance.yaml names it.</summary>
public enum DocumentLanguage { Auto, De, Fr, It, En }

public enum Role { Employee, Admin, Dpo }

public sealed record AuthSettings
{
    public IReadOnlyList<GroupSpec> Groups { get; init; } = [];
    public IReadOnlyList<UserSpec> Users { get; init; } = [];
    public LockoutPolicy Lockout { get; init; } = new();
    public LdapSettings? Ldap { get; init; }

    [Doc("minutes a web session lasts without activity"), Range(5, 1440)]
    public int SessionMinutes { get; init; } = 480;
}

public sealed record GroupSpec
{
    [Identifier]
    public required string Id { get; init; }

    public string? Title { get; init; }
}

public sealed record UserSpec
{
    [Identifier]
    public required string Name { get; init; }

    public string? DisplayName { get; init; }

    public IReadOnlyList<Role> Roles { get; init; } = [Role.Employee];

    public IReadOnlyList<string> Groups { get; init; } = [];
}

public sealed record LockoutPolicy
{
    [Range(1, 100)]
    public int Attempts { get; init; } = 5;

    [Range(1, 1440)]
    public int Minutes { get; init; } = 15;
}

public sealed record LdapSettings
{
    [Doc("ldap:// or ldaps:// URL of the directory")]
    public required Uri Url { get; init; }

    [Doc("DN pattern to bind as the user; {user} is replaced")]
    public required string UserDnTemplate { get; init; }

    public required string BaseDn { get; init; }

    [Doc("LDAP group DN or cn → appliance group id")]
    public IReadOnlyDictionary<string, string> GroupMapping { get; init; } = new Dictionary<string, string>();

    [Doc("roles given to every LDAP user")]
    public IReadOnlyList<Role> DefaultRoles { get; init; } = [Role.Employee];
}

public enum QueryLogMode { Full, Hashed, Off }

/// <summary>The language an audit pack is written in (its HTML and PDF; evidence.json keeps its field names).</summary>
public enum ReportLanguage { En, De }

public sealed record PrivacySettings
{
    public required Party Controller { get; init; }
    public required Party Dpo { get; init; }
    public QueryLogMode QueryLog { get; init; } = QueryLogMode.Hashed;

    [Range(1, 3650)]
    public int RetentionDays { get; init; } = 90;

    public required string LegalBasis { get; init; }

    public IReadOnlyList<string> Purposes { get; init; } = [];

    [Doc("the DPIA screening answers (Art. 35)")]
    public DpiaAnswers Dpia { get; init; } = new();

    [Doc("employees' conversation history on the web page")]
    public HistorySettings History { get; init; } = new();

    [Doc("the language of the audit pack: en or de (`provision audit pack --language` overrides it; the nightly pack uses it)")]
    public ReportLanguage ReportLanguage { get; init; } = ReportLanguage.En;
}

/// <summary>Whether the box keeps each employee's conversations (questions, answers, citations) and for how long.</summary>
public sealed record HistorySettings
{
    [Doc("keep conversations so each employee can reopen their own; off = nothing is stored, a conversation lasts as long as the page")]
    public bool Enabled { get; init; } = true;

    [Doc("days after a conversation's last question before it is purged"), Range(1, 3650)]
    public int RetentionDays { get; init; } = 90;
}

public sealed record Party
{
    public required string Name { get; init; }
    public required string Contact { get; init; }
    public string? Address { get; init; }
}

public sealed record DpiaAnswers
{
    public bool SpecialCategories { get; init; }
    public bool SystematicMonitoring { get; init; }
    public bool AutomatedDecisions { get; init; }
    public bool LargeScale { get; init; }
    public bool EmployeeEvaluation { get; init; }
}

public enum FileVaultExpectation { Required, Off, Any }

public enum PressureLevel { Warning, Critical }

public sealed record SystemSettings
{
    [Doc("keep the box awake (pmset sleep 0, autorestart 1)")]
    public bool PreventSleep { get; init; } = true;

    [Doc("Spotlight indexing on the data volume")]
    public bool Spotlight { get; init; }

    public SshPolicy Ssh { get; init; } = new();

    public bool ApplicationFirewall { get; init; } = true;

    public FileVaultExpectation Filevault { get; init; } = FileVaultExpectation.Required;

    [Doc("memory-pressure level at which verify and /metrics alert")]
    public PressureLevel MemoryPressureAlert { get; init; } = PressureLevel.Warning;
}

public sealed record SshPolicy
{
    public bool Enabled { get; init; } = true;
    public bool KeyOnly { get; init; } = true;

    [Doc("macOS accounts allowed to log in over SSH (com.apple.access_ssh)")]
    public IReadOnlyList<string> Users { get; init; } = [];
}

public sealed record StorageSettings
{
    [Doc("where the appliance keeps config, models and data on the box")]
    public string Root { get; init; } = "/Library/Application Support/Appliance";

    [Doc("models folder; relative to root unless absolute")]
    public string Models { get; init; } = "models";

    [Doc("data folder (index, logs); the .noindex suffix keeps Spotlight out")]
    public string Data { get; init; } = "data.noindex";
}

public enum BackupSchedule { Nightly, Manual }

/// <summary>
/// Where and how often the box writes encrypted backup sets. Only the office's public key is on the
/// box: it can write backups but never read old ones back.
/// </summary>
public sealed record BackupSettings
{
    [Doc("a mounted volume on the box: a USB disk or an SMB share macOS mounts (e.g. /Volumes/Backup); absent = no backups")]
    public string? Destination { get; init; }

    [Doc("the SMB server's address when the destination is a share on the LAN; the pf anchor lets the box reach exactly this host and port")]
    public IPAddress? ShareHost { get; init; }

    [Range(1, 65535)]
    public int SharePort { get; init; } = 445;

    [Doc("nightly (after the audit pack) or manual (only `provision backup now`)")]
    public BackupSchedule Schedule { get; init; } = BackupSchedule.Nightly;

    public BackupRetention Retention { get; init; } = new();

    [Doc("the office's backup public key (x25519:BASE64 from `provision backup keygen`); its private key stays off the box")]
    public BackupPublicKey? PublicKey { get; init; }
}

/// <summary>How many backup sets are kept: the newest of each of the last N days, weeks and months (restic's forget policy).</summary>
public sealed record BackupRetention
{
    [Range(1, 366)]
    public int Daily { get; init; } = 7;

    [Range(0, 520)]
    public int Weekly { get; init; } = 4;

    [Range(0, 120)]
    public int Monthly { get; init; } = 12;
}
