using System.Text.Json;
using System.Text.Json.Serialization;

namespace Appliance.Provision.Controls;

/// <summary>
/// The result of `provision verify`, and the JSON the audit pack consumes (`--evidence FILE`).
/// Shape (schema "appliance.verify-evidence/1"), documented in README:
/// { schema, appliance, target, simulated, generation, checked_at, passed, failed,
///   controls: [ { id, title, why, read_back, expected, fix, measures, observed, status: "pass"|"fail", checked_at } ] }
/// read_back is the exact command verify ran; measures are the TOM ids the control proves.
/// </summary>
public sealed record VerifyReport(string Appliance, string Target, bool Simulated, int? Generation, DateTimeOffset CheckedAt, IReadOnlyList<ControlResult> Results)
{
    public const string Schema = "appliance.verify-evidence/1";

    public int Passed => Results.Count(r => r.Passed);
    public int Failed => Results.Count(r => !r.Passed);

    public string ToJson() => JsonSerializer.Serialize(new EvidenceDocument(
        Schema, Appliance, Target, Simulated, Generation, CheckedAt, Passed, Failed,
        [.. Results.Select(r => new EvidenceControl(r.Control.Id, r.Control.Title, r.Control.Why, r.Control.ReadBack,
            r.Control.Expected, r.Control.Fix, [.. r.Control.Measures.Select(m => m.Id)], r.Observed, r.Passed ? "pass" : "fail", r.CheckedAt))]), Options);

    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    private sealed record EvidenceDocument(string Schema, string Appliance, string Target, bool Simulated, int? Generation,
        DateTimeOffset CheckedAt, int Passed, int Failed, IReadOnlyList<EvidenceControl> Controls);

    private sealed record EvidenceControl(string Id, string Title, string Why, string ReadBack, string Expected, string Fix,
        IReadOnlyList<string> Measures, string Observed,
        string Status, DateTimeOffset CheckedAt);
}
