namespace Appliance.Agent.Hosting;

/// <summary>/healthz: the one anonymous route; says whether the agent is up and nothing about its data.</summary>
public static class Health
{
    public sealed record Status(string State, string Version);

    public static IResult Get() =>
        TypedResults.Ok(new Status("ok", typeof(Health).Assembly.GetName().Version?.ToString(3) ?? "0.0.0"));
}
