using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Appliance.Audit.Pack;

/// <summary>The one JSON spelling of the audit pack: snake_case, indented, stable.</summary>
public static class AuditJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>One object per line, for logs and journals.</summary>
    public static readonly JsonSerializerOptions Lines = new(Options) { WriteIndented = false };
}
