using Appliance.Config;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Appliance.Agent.Documents;

/// <summary>/api/ingest: bring collections up to date with their folders, watch progress, cancel.</summary>
public static class IngestEndpoints
{
    public sealed record StartBody(string? Collection);

    public static IResult Start(StartBody? body, IngestionJobs jobs, ApplianceConfig config)
    {
        if (body?.Collection is { } id && config.Rag.Collections.All(c => c.Id != id))
            return TypedResults.Problem(statusCode: 404, title: "no such collection",
                detail: $"configured collections: {string.Join(", ", config.Rag.Collections.Select(c => c.Id))}");
        return jobs.Start(body?.Collection) is { } status
            ? TypedResults.Accepted("/api/ingest", status)
            : TypedResults.Problem(statusCode: 409, title: "already running", detail: "an ingestion run is in progress: watch GET /api/ingest or cancel it with DELETE /api/ingest");
    }

    public static Ok<IngestStatus> Progress(IngestionJobs jobs) => TypedResults.Ok(jobs.Status);

    public static Results<Accepted<IngestStatus>, NotFound> Cancel(IngestionJobs jobs) =>
        jobs.Cancel() ? TypedResults.Accepted("/api/ingest", jobs.Status) : TypedResults.NotFound();
}
