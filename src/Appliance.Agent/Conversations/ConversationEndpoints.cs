using Appliance.Agent.Hosting;
using Appliance.Agent.Identity;
using Appliance.Rag;

namespace Appliance.Agent.Conversations;

/// <summary>
/// /api/conversations: the caller's own history — list and search, reopen, rename, scope, delete —
/// and thumbs on an answer. Every call is answered from the caller's conversations only; another
/// person's id is "not found", exactly like an id that never existed.
/// </summary>
public static class ConversationEndpoints
{
    /// <param name="Title">a new title</param>
    /// <param name="Collections">the collections the conversation searches; an empty list means all the owner may read</param>
    public sealed record ChangeBody(string? Title, IReadOnlyList<string>? Collections);

    public sealed record RatingBody(Rating? Rating, string? Comment);

    public const int MaxCommentLength = 2000;

    public static async Task<IResult> ListAsync(string? q, HttpContext context, ConversationStore store, CancellationToken ct) =>
        TypedResults.Ok(await store.ListAsync(Caller.From(context.User).Name, q, ct));

    public static async Task<IResult> GetAsync(string id, HttpContext context, ConversationStore store, CancellationToken ct) =>
        await store.GetAsync(Caller.From(context.User).Name, id, ct) is { } conversation ? TypedResults.Ok(conversation) : NotFound();

    public static async Task<IResult> ChangeAsync(string id, ChangeBody? body, HttpContext context, ConversationStore store, DocumentLibrary library, CancellationToken ct)
    {
        var caller = Caller.From(context.User);
        if (body is null || (body.Title is null && body.Collections is null))
            return TypedResults.Problem(statusCode: 400, title: "nothing to change", detail: "send {\"title\": \"…\"} and/or {\"collections\": [\"…\"]}");
        if (body.Title is { } title && string.IsNullOrWhiteSpace(title))
            return TypedResults.Problem(statusCode: 400, title: "title needed", detail: "a conversation's title cannot be empty");
        if (body.Collections is { } wanted)
        {
            var readable = library.Collections(caller.Groups.ToList()).Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
            if (wanted.FirstOrDefault(c => !readable.Contains(c)) is { } unknown)
                return TypedResults.Problem(statusCode: 400, title: "no such collection", detail: $"you have no collection '{unknown}'");
            if (!await store.ScopeAsync(caller.Name, id, wanted.Count == 0 ? null : wanted, ct)) return NotFound();
        }
        if (body.Title is { } newTitle && !await store.RenameAsync(caller.Name, id, newTitle, ct)) return NotFound();
        return await store.SummaryAsync(caller.Name, id, ct) is { } summary ? TypedResults.Ok(summary) : NotFound();
    }

    /// <summary>GET /api/conversations/{id}/export?format=markdown|pdf&amp;lang=de: the conversation with its citations, for the file note.</summary>
    public static async Task<IResult> ExportAsync(string id, string? format, string? lang, HttpContext context, ConversationStore store,
        ConversationExport export, Config.ApplianceConfig config, CancellationToken ct)
    {
        var caller = Caller.From(context.User);
        if (await store.GetAsync(caller.Name, id, ct) is not { } conversation) return NotFound();
        var language = Web.PageStrings.Language(lang);
        var name = FileName(conversation.Summary.Title);
        return format switch
        {
            null or "markdown" => TypedResults.File(System.Text.Encoding.UTF8.GetBytes(export.Markdown(conversation, language, config.Appliance.Name, caller.DisplayName)),
                "text/markdown; charset=utf-8", name + ".md"),
            "pdf" => TypedResults.File(export.Pdf(conversation, language, config.Appliance.Name, caller.DisplayName), "application/pdf", name + ".pdf"),
            _ => TypedResults.Problem(statusCode: 400, title: "unknown format", detail: "format is markdown or pdf"),
        };
    }

    /// <summary>A file name from the title: letters, digits and dashes only.</summary>
    private static string FileName(string title)
    {
        var name = new string([.. title.Select(c => char.IsLetterOrDigit(c) ? c : '-')]).Trim('-');
        while (name.Contains("--", StringComparison.Ordinal)) name = name.Replace("--", "-", StringComparison.Ordinal);
        return name.Length == 0 ? "conversation" : name.Length <= 60 ? name : name[..60].TrimEnd('-');
    }

    public static async Task<IResult> DeleteAsync(string id, HttpContext context, ConversationStore store, CancellationToken ct) =>
        await store.DeleteAsync(Caller.From(context.User).Name, id, ct) ? TypedResults.NoContent() : NotFound();

    /// <summary>POST /api/turns/{id}/rating {"rating": "up"|"down", "comment"?}: thumbs on one of the caller's answers.</summary>
    public static async Task<IResult> RateAsync(long id, RatingBody? body, HttpContext context, ConversationStore store, CancellationToken ct)
    {
        if (body?.Rating is not { } rating)
            return TypedResults.Problem(statusCode: 400, title: "rating needed", detail: "send {\"rating\": \"up\"} or {\"rating\": \"down\"}, with an optional comment");
        if (body.Comment is { Length: > MaxCommentLength })
            return TypedResults.Problem(statusCode: 400, title: "comment too long", detail: $"a comment can have up to {MaxCommentLength} characters");
        return await store.RateAsync(Caller.From(context.User).Name, id, rating, body.Comment, ct) ? TypedResults.NoContent() : NotFound();
    }

    /// <summary>GET /api/admin/feedback: thumbs per collection (admins; no question, no comment, no name).</summary>
    public static async Task<IResult> FeedbackAsync(ConversationStore store, CancellationToken ct) => TypedResults.Ok(await store.FeedbackCountsAsync(ct));

    /// <summary>DELETE /api/audit/people/{name}/conversations: the DPO erases a person's conversations (an erasure request).</summary>
    public static async Task<IResult> ErasePersonAsync(string name, ConversationStore store, ILogger<ConversationStore> logger, HttpContext context, CancellationToken ct)
    {
        var removed = await store.EraseUserAsync(name, ct);
        logger.LogInformation("erased {Count} conversations of {Person} at the request of {Dpo}", removed, name, Caller.From(context.User).Name);
        return TypedResults.Ok(new { person = name, conversations_erased = removed });
    }

    private static IResult NotFound() => PageProblems.Result(404, "no such conversation",
        "you have no conversation with this id (it may have been deleted)", PageProblems.ConversationNotFound);
}
