using Appliance.Config;

namespace Appliance.Agent.Answers;

/// <summary>GET /api/status: what the page shows in its header — the box's name and which models answer.</summary>
public static class StatusEndpoint
{
    public sealed record Status(string Appliance, string? ChatModel, string? EmbeddingModel, bool TestModel, string Notice);

    public static IResult Get(ApplianceConfig config, ServedModels models) => TypedResults.Ok(new Status(
        config.Appliance.Name, models.ChatModel?.Name, models.EmbeddingModel?.Name, models.ChatIsTestModel || models.EmbeddingModel?.IsTestModel == true,
        models.ChatIsTestModel ? Answerer.TestModelNotice : Answerer.AiNotice));
}
