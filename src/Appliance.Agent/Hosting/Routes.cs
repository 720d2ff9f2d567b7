using Appliance.Agent.Admin;
using Appliance.Agent.Answers;
using Appliance.Agent.Conversations;
using Appliance.Agent.Documents;
using Appliance.Agent.Audit;
using Appliance.Agent.Identity;
using Appliance.Agent.Jobs;
using Appliance.Agent.Metrics;
using Appliance.Agent.OpenAi;
using Appliance.Agent.Sessions;
using Appliance.Agent.Web;
using Appliance.Config;

namespace Appliance.Agent.Hosting;

/// <summary>
/// The whole HTTP surface of the agent, with who may call each group. Everything requires a
/// signed-in caller except /healthz; the page and the sign-in answer 401 until credentials check out.
/// </summary>
public static class Routes
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/healthz", Health.Get).AllowAnonymous();
        app.MapGet("/", (WebPage page, HttpContext c) => page.Serve(c)).AllowAnonymous();               // 401 + sign-in form without a session
        app.MapPost("/api/session", SessionEndpoints.SignInAsync).AllowAnonymous();                   // 401 unless name and password check out

        var installable = app.MapGroup("").RequireAuthorization(RoleNames.Employee);                  // the page's icon and web app manifest
        installable.MapGet("/icon.svg", WebPage.Icon);
        installable.MapGet("/manifest.webmanifest", (WebPage page, ApplianceConfig config) => page.Manifest(config));

        var session = app.MapGroup("/api/session").RequireAuthorization();                           // anyone signed in
        session.MapGet("", SessionEndpoints.CurrentAsync);
        session.MapPut("/language", SessionEndpoints.SetLanguageAsync);
        session.MapDelete("", SessionEndpoints.SignOutAsync);

        var tokens = app.MapGroup("/api/tokens").RequireAuthorization(RoleNames.Employee);            // one's own API tokens
        tokens.MapGet("", TokenEndpoints.ListOwnAsync);
        tokens.MapPost("", TokenEndpoints.IssueOwnAsync);
        tokens.MapDelete("/{id}", TokenEndpoints.RevokeOwnAsync);

        var openAi = app.MapGroup("/v1").RequireAuthorization(RoleNames.Employee);                    // OpenAI wire format
        openAi.MapGet("/models", OpenAiEndpoints.ModelsAsync);
        openAi.MapPost("/chat/completions", OpenAiEndpoints.ChatCompletionsAsync);
        openAi.MapPost("/embeddings", OpenAiEndpoints.EmbeddingsAsync);

        var employee = app.MapGroup("/api").RequireAuthorization(RoleNames.Employee);                 // reads only what the caller's groups allow
        employee.MapGet("/status", StatusEndpoint.Get);
        employee.MapPost("/ask", AskEndpoint.AskAsync);
        employee.MapPost("/search", DocumentEndpoints.SearchAsync);
        employee.MapGet("/collections", DocumentEndpoints.Collections);
        employee.MapGet("/documents", DocumentEndpoints.ListAsync);
        employee.MapPost("/documents", DocumentEndpoints.UploadAsync);
        employee.MapGet("/documents/{id}/content", DocumentEndpoints.ContentAsync);
        employee.MapGet("/documents/{id}/text", DocumentEndpoints.TextAsync);                          // the citation viewer's text

        var conversations = app.MapGroup("/api/conversations").RequireAuthorization(RoleNames.Employee);  // the caller's own, nobody else's
        conversations.MapGet("", ConversationEndpoints.ListAsync);
        conversations.MapPost("", ConversationEndpoints.CreateAsync);
        conversations.MapGet("/{id}", ConversationEndpoints.GetAsync);
        conversations.MapPatch("/{id}", ConversationEndpoints.ChangeAsync);
        conversations.MapDelete("/{id}", ConversationEndpoints.DeleteAsync);
        conversations.MapGet("/{id}/export", ConversationEndpoints.ExportAsync);                      // Markdown or PDF with its citations
        conversations.MapPost("/{id}/attachments", ConversationEndpoints.AttachAsync);                // read for this conversation only, never indexed
        employee.MapPost("/turns/{id}/rating", ConversationEndpoints.RateAsync);

        var jobs = app.MapGroup("/api/jobs").RequireAuthorization(RoleNames.Employee);                 // the caller's own, nobody else's
        jobs.MapGet("", JobEndpoints.ListAsync);
        jobs.MapPost("", JobEndpoints.CreateAsync);                                                  // over documents the caller's groups may read
        jobs.MapGet("/{id}", JobEndpoints.GetAsync);
        jobs.MapDelete("/{id}", JobEndpoints.CancelAsync);
        jobs.MapDelete("/{id}/result", JobEndpoints.EraseResultAsync);                               // erases what it wrote, with an erasure record

        var erasure = app.MapGroup("/api/documents").RequireAuthorization(Policies.Erasure);           // admin or dpo
        erasure.MapDelete("/{id}", DocumentEndpoints.DeleteAsync);

        var ingest = app.MapGroup("/api/ingest").RequireAuthorization(RoleNames.Admin);
        ingest.MapPost("", IngestEndpoints.Start);
        ingest.MapGet("", IngestEndpoints.Progress);
        ingest.MapDelete("", IngestEndpoints.Cancel);

        var admin = app.MapGroup("/api/admin").RequireAuthorization(RoleNames.Admin);
        admin.MapGet("/users", AdminEndpoints.UsersAsync);
        admin.MapPut("/users/{name}/password", AdminEndpoints.SetPasswordAsync);
        admin.MapPost("/users/{name}/unlock", AdminEndpoints.UnlockAsync);
        admin.MapGet("/groups", AdminEndpoints.GroupsAsync);
        admin.MapGet("/tokens", AdminEndpoints.TokensAsync);
        admin.MapPost("/tokens", AdminEndpoints.IssueTokenAsync);
        admin.MapDelete("/tokens/{id}", AdminEndpoints.RevokeTokenAsync);
        admin.MapGet("/feedback", ConversationEndpoints.FeedbackAsync);                               // thumbs per collection, never a question

        var audit = app.MapGroup("/api/audit").RequireAuthorization(RoleNames.Dpo);
        audit.MapGet("/log", AuditEndpoints.LogAsync);                                              // filtered, paged through the whole retention
        audit.MapGet("/log.csv", AuditEndpoints.LogCsvAsync);
        audit.MapGet("/log.excerpt", AuditEndpoints.LogExcerptAsync);                               // signed by the agent's key, which the audit key certified
        audit.MapGet("/log/verify", AuditEndpoints.VerifyAsync);
        audit.MapGet("/security", SecurityEndpoints.ListAsync);                                     // sign-ins, failures, lockouts, denials, access reports
        audit.MapGet("/security.csv", SecurityEndpoints.CsvAsync);
        audit.MapGet("/erasures", DocumentEndpoints.ErasuresAsync);
        audit.MapGet("/evidence", AuditEndpoints.EvidenceAsync);                                    // live counts; also written for the nightly pack
        audit.MapGet("/packs", AuditEndpoints.Packs);                                               // signed packs the nightly job (root) shelved
        audit.MapGet("/packs/{name}", AuditEndpoints.PackAsync);
        audit.MapGet("/access-report", PeopleEndpoints.ReportAsync);                                // Art. 15: what the box holds about a person
        audit.MapDelete("/people/{name}/conversations", PeopleEndpoints.EraseConversationsAsync);     // Art. 17, each with an erasure record
        audit.MapDelete("/people/{name}/account", PeopleEndpoints.EraseAccountAsync);
        audit.MapDelete("/people/{name}/jobs", PeopleEndpoints.EraseJobsAsync);
        audit.MapGet("/erasures/people", PeopleEndpoints.ErasuresAsync);

        var operations = app.MapGroup("").RequireAuthorization(RoleNames.Admin);                     // scraped with an admin's API token
        operations.MapGet("/metrics", MetricsEndpoint.GetAsync);
    }
}
