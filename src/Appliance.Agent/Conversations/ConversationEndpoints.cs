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

    public static async Task<IResult> ListAsync(string? q, Caller caller, ConversationStore store, CancellationToken ct) =>
        TypedResults.Ok(await store.ListAsync(caller.Name, q, ct));

    public static async Task<IResult> GetAsync(string id, Caller caller, ConversationStore store, CancellationToken ct) =>
        await store.GetAsync(caller.Name, id, ct) is { } conversation ? TypedResults.Ok(conversation) : NotFound();

    public static async Task<IResult> ChangeAsync(string id, ChangeBody? body, Caller caller, ConversationStore store, DocumentLibrary library, CancellationToken ct)
    {
        if (body is null || (body.Title is null && body.Collections is null))
            return TypedResults.Problem(statusCode: 400, title: "nothing to change", detail: "send {\"title\": \"…\"} and/or {\"collections\": [\"…\"]}");
        if (body.Title is { } title && string.IsNullOrWhiteSpace(title))
            return TypedResults.Problem(statusCode: 400, title: "title needed", detail: "a conversation's title cannot be empty");
        if (body.Collections is { } wanted)
        {
            var readable = library.Collections(caller.LibraryGroups).Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
            if (wanted.FirstOrDefault(c => !readable.Contains(c)) is { } unknown)
                return TypedResults.Problem(statusCode: 400, title: "no such collection", detail: $"you have no collection '{unknown}'");
            if (!await store.ScopeAsync(caller.Name, id, wanted.Count == 0 ? null : wanted, ct)) return NotFound();
        }
        if (body.Title is { } newTitle && !await store.RenameAsync(caller.Name, id, newTitle, ct)) return NotFound();
        return await store.SummaryAsync(caller.Name, id, ct) is { } summary ? TypedResults.Ok(summary) : NotFound();
    }

    /// <summary>GET /api/conversations/{id}/export?format=markdown|pdf&amp;lang=de: the conversation with its citations, for the file note.</summary>
    public static async Task<IResult> ExportAsync(string id, string? format, string? lang, Caller caller, ConversationStore store,
        ConversationExport export, Config.ApplianceConfig config, CancellationToken ct)
    {
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

    public sealed record NewConversation(string? Title);

    /// <summary>POST /api/conversations {"title"}: an empty conversation (to attach a file before the first question, which then names it).</summary>
    public static async Task<IResult> CreateAsync(NewConversation? body, Caller caller, ConversationStore store, Config.ApplianceConfig config, CancellationToken ct)
    {
        if (!config.Privacy.History.Enabled)
            return TypedResults.Problem(statusCode: 409, title: "history is off", detail: "this box keeps no conversations (privacy.history)");
        var summary = await store.CreateAsync(caller.Name, string.IsNullOrWhiteSpace(body?.Title) ? "…" : body.Title, null, ct);
        return TypedResults.Created($"/api/conversations/{summary.Id}", summary);
    }

    /// <summary>
    /// POST /api/conversations/{id}/attachments?name=FILE with the file as the body: read (extracted,
    /// chunked, embedded) for this conversation only — never put into the office's index — and cited in
    /// its answers; erased with the conversation.
    /// </summary>
    public static async Task<IResult> AttachAsync(string id, string? name, Caller caller, HttpContext context, ConversationStore store, DocumentLibrary library,
        Config.ApplianceConfig config, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(name))
            return TypedResults.Problem(statusCode: 400, title: "name needed", detail: "POST /api/conversations/{id}/attachments?name=FILE with the file as the body");
        if (await store.SummaryAsync(caller.Name, id, ct) is null) return NotFound();
        var limit = (long)config.Rag.MaxUploadMb * 1024 * 1024;
        var tooLarge = PageProblems.Result(413, "file too large", $"files can be up to {config.Rag.MaxUploadMb} MB", PageProblems.FileTooLarge,
            new() { ["limit"] = config.Rag.MaxUploadMb });
        if (context.Request.ContentLength > limit) return tooLarge;
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = limit + 1;
        try
        {
            var document = await library.ReadPrivateAsync(name, context.Request.Body, limit, ct);
            return await store.AttachAsync(caller.Name, id, Path.GetFileName(name), document, ct) is { } attachment
                ? TypedResults.Created($"/api/conversations/{id}", attachment) : NotFound();
        }
        catch (DocumentLibraryException e) when (e.Error == LibraryError.TooLarge)
        {
            return tooLarge;
        }
        catch (DocumentLibraryException e)
        {
            return Documents.DocumentEndpoints.Refusal(e);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return tooLarge;
        }
    }

    public static async Task<IResult> DeleteAsync(string id, Caller caller, ConversationStore store, CancellationToken ct) =>
        await store.DeleteAsync(caller.Name, id, ct) ? TypedResults.NoContent() : NotFound();

    /// <summary>POST /api/turns/{id}/rating {"rating": "up"|"down", "comment"?}: thumbs on one of the caller's answers.</summary>
    public static async Task<IResult> RateAsync(long id, RatingBody? body, Caller caller, ConversationStore store, CancellationToken ct)
    {
        if (body?.Rating is not { } rating)
            return TypedResults.Problem(statusCode: 400, title: "rating needed", detail: "send {\"rating\": \"up\"} or {\"rating\": \"down\"}, with an optional comment");
        if (body.Comment is { Length: > MaxCommentLength })
            return TypedResults.Problem(statusCode: 400, title: "comment too long", detail: $"a comment can have up to {MaxCommentLength} characters");
        return await store.RateAsync(caller.Name, id, rating, body.Comment, ct) ? TypedResults.NoContent() : NotFound();
    }

    /// <summary>GET /api/admin/feedback: thumbs per collection (admins; no question, no comment, no name).</summary>
    public static async Task<IResult> FeedbackAsync(ConversationStore store, CancellationToken ct) => TypedResults.Ok(await store.FeedbackCountsAsync(ct));

    private static IResult NotFound() => PageProblems.Result(404, "no such conversation",
        "you have no conversation with this id (it may have been deleted)", PageProblems.ConversationNotFound);
}
