using Appliance.Config;

namespace Appliance.Agent.Answers;

/// <summary>
/// GET /api/status: what the page needs to know about the box — its name, which models answer,
/// whether conversations are kept, the box's time zone (times are shown in it, not in UTC) and the
/// limits it tells employees about in their own words.
/// </summary>
public static class StatusEndpoint
{
    public sealed record Status(string Appliance, string? ChatModel, string? EmbeddingModel, bool TestModel, string Notice,
        bool History, int HistoryDays, string TimeZone, int MaxQuestionChars, int MaxUploadMb);

    public static IResult Get(ApplianceConfig config, ServedModels models, TimeProvider clock) => TypedResults.Ok(new Status(
        config.Appliance.Name, models.ChatModel?.Name, models.EmbeddingModel?.Name, models.ChatIsTestModel || models.EmbeddingModel?.IsTestModel == true,
        models.ChatIsTestModel ? Answerer.TestModelNotice : Answerer.AiNotice,
        config.Privacy.History.Enabled, config.Privacy.History.RetentionDays, TimeZoneName(clock.LocalTimeZone),
        AskEndpoint.MaxQuestionLength, config.Rag.MaxUploadMb));

    /// <summary>The IANA name browsers understand ("Europe/Zurich"), whatever the system calls its zone.</summary>
    private static string TimeZoneName(TimeZoneInfo zone) =>
        zone.HasIanaId ? zone.Id : TimeZoneInfo.TryConvertWindowsIdToIanaId(zone.Id, out var iana) ? iana : "UTC";
}
