using System.Text.Json;
using Appliance.Audit.Evidence;
using Appliance.Audit.Pack;

namespace Appliance.Audit.Render;

/// <summary>
/// Turns the evidence into plain dictionaries with the same snake_case names as evidence.json, so
/// templates and the JSON speak one vocabulary.
/// </summary>
internal static class TemplateModel
{
    public static Dictionary<string, object?> From(AuditEvidence evidence)
    {
        using var doc = JsonDocument.Parse(JsonSerializer.Serialize(evidence, AuditJson.Options));
        return (Dictionary<string, object?>)Convert(doc.RootElement)!;
    }

    private static object? Convert(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().ToDictionary(p => p.Name, p => Convert(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().Select(Convert).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out var l) ? l : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };
}
