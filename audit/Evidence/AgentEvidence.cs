using System.Text.Json;
using System.Text.Json.Serialization;
using Appliance.Audit.Pack;

namespace Appliance.Audit.Evidence;

/// <summary>
/// What the agent contributes to an audit pack, exported by the agent itself into its data folder
/// (`appliance audit export`; the running agent at start, hourly and before a DPO download): usage counts, the erasure log, and the query-log chain
/// within retention. Counts and hashes only, never question text: the chain excerpt carries a salted
/// commitment to each question in place of the question, whatever the log mode.
/// </summary>
/// <param name="Period">the days the counts, erasures and chain excerpt cover, as FROM..TO</param>
public sealed record AgentEvidence(
    string Schema, DateTimeOffset ExportedAt, string Period, string QueryLogMode, UsageFacts Usage,
    IReadOnlyList<ErasureFact> Erasures, IReadOnlyList<ChainEntry> QueryLog)
{
    public const string SchemaName = "appliance.agent-evidence/1";

    /// <summary>Where the agent writes it, relative to the data folder.</summary>
    public const string RelativePath = "audit/agent-evidence.json";

    public string ToJson() => JsonSerializer.Serialize(this, AuditJson.Options);

    public static AgentEvidence Parse(string json)
    {
        var evidence = JsonSerializer.Deserialize<AgentEvidence>(json, AuditJson.Options)
            ?? throw new InvalidDataException("agent evidence is empty");
        return evidence.Schema == SchemaName ? evidence
            : throw new InvalidDataException($"agent evidence has schema '{evidence.Schema}', expected '{SchemaName}'");
    }

    /// <summary>What a pack says when the agent has never exported anything: nothing is invented.</summary>
    public static AgentEvidence None(string queryLogMode) => new(SchemaName, DateTimeOffset.MinValue, "none", queryLogMode,
        new UsageFacts([], [], [], [], new ChainCheck(false, 0, null, "no agent evidence on the box (the agent has not exported any yet)"), []), [], []);

    [JsonIgnore]
    public bool IsNone => ExportedAt == DateTimeOffset.MinValue;
}
