using System.Text.Json.Serialization;

namespace Appliance.Agent.OpenAi;

/// <summary>OpenAI's error body, <c>{"error": {"message", "type", "param", "code"}}</c>, which the SDKs turn into typed exceptions.</summary>
public sealed record OpenAiError(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param")] string? Param,
    [property: JsonPropertyName("code")] string? Code);

public sealed record OpenAiErrorBody([property: JsonPropertyName("error")] OpenAiError Error);

public static class OpenAiErrors
{
    public static IResult Result(int status, string message, string? code = null, string? param = null) =>
        TypedResults.Json(new OpenAiErrorBody(new OpenAiError(message, TypeFor(status), param, code)), statusCode: status);

    public static IResult BadRequest(string message, string? param = null) => Result(StatusCodes.Status400BadRequest, message, null, param);

    private static string TypeFor(int status) => status switch
    {
        401 => "invalid_request_error",
        403 => "permission_error",
        404 => "invalid_request_error",
        413 => "invalid_request_error",
        429 => "rate_limit_error",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };
}
