using System.Diagnostics;
using Appliance.Agent.Audit;
using Appliance.Agent.Identity;
using Appliance.Config;
using Appliance.Rag;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Appliance.Agent.Documents;

/// <summary>/api/collections, /api/documents, /api/search: the caller's groups decide every answer.</summary>
public static class DocumentEndpoints
{
    public sealed record SearchBody(string? Query, int? K, IReadOnlyList<string>? Collections);

    public sealed record SearchResultView(CitationView Citation, double Score, string Text);

    public static Ok<IReadOnlyList<CollectionInfo>> Collections(Caller caller, DocumentLibrary library) =>
        TypedResults.Ok(library.Collections(caller.LibraryGroups));

    public static async Task<Ok<IReadOnlyList<DocumentInfo>>> ListAsync(Caller caller, DocumentLibrary library, CancellationToken ct) =>
        TypedResults.Ok(await library.ListDocumentsAsync(caller.LibraryGroups, ct));

    /// <summary>POST /api/search: the chunks the caller may read that best match, with citations; logged like a question.</summary>
    public static async Task<IResult> SearchAsync(SearchBody? body, Caller caller, HttpContext context, DocumentLibrary library, QueryLog log,
        ApplianceConfig config, AccessDenials denials, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body?.Query) || body.Query.Length > 4000)
            return TypedResults.Problem(statusCode: 400, title: "query needed", detail: "send {\"query\": \"…\"} with 1–4000 characters");
        var started = Stopwatch.GetTimestamp();
        await RecordHeldBackAsync(body.Collections, context, library, config, denials);
        var hits = await library.SearchAsync(new SearchRequest(body.Query, caller.LibraryGroups, body.K) { Collections = body.Collections }, ct);
        await log.AppendAsync(new QueryRecord(caller.Name, "/api/search", body.Query, hits.Select(h => h.DocumentId).Distinct().ToList(),
            0, 0, Stopwatch.GetElapsedTime(started), 200), CancellationToken.None);
        return TypedResults.Ok(hits.Select(h => new SearchResultView(CitationView.Of(h.Citation), h.Score, h.Text)).ToList());
    }

    /// <summary>
    /// POST /api/documents?collection=ID&amp;name=FILE with the file as the body: stored and indexed at
    /// once, when the collection takes uploads and the caller is in one of its groups.
    /// </summary>
    public static async Task<IResult> UploadAsync(string? collection, string? name, Caller caller, HttpContext context, DocumentLibrary library, ApplianceConfig config,
        AccessDenials denials, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(collection) || string.IsNullOrWhiteSpace(name))
            return TypedResults.Problem(statusCode: 400, title: "collection and name needed",
                detail: "POST /api/documents?collection=ID&name=FILE.pdf with the file as the request body");
        if (library.Collections(caller.LibraryGroups).FirstOrDefault(c => c.Id == collection) is not { } target)
        {
            await RecordHeldBackAsync([collection], context, library, config, denials);
            return TypedResults.Problem(statusCode: 404, title: "no such collection", detail: $"you have no collection '{collection}'");
        }
        if (!target.Uploads)
            return TypedResults.Problem(statusCode: 403, title: "uploads not allowed", detail: $"collection '{collection}' does not accept uploads");
        var limit = (long)config.Rag.MaxUploadMb * 1024 * 1024;
        if (context.Request.ContentLength > limit)
            return TooLarge(config);
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = limit + 1;
        try
        {
            var document = await library.UploadAsync(collection, name, context.Request.Body, caller.Name, ct);
            return TypedResults.Created($"/api/documents/{document.Id}", document);
        }
        catch (DocumentLibraryException e)
        {
            return e.Error == LibraryError.TooLarge ? TooLarge(config) : Refusal(e);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(config);
        }
    }

    /// <summary>GET /api/documents/{id}/content: the original file (PDFs inline for #page=N links, others as a download), if the caller may read it.</summary>
    public static async Task<IResult> ContentAsync(string id, Caller caller, HttpContext context, DocumentLibrary library, SourceFiles files,
        AccessDenials denials, CancellationToken ct)
    {
        var document = library.FindDocument(id, caller.LibraryGroups, out var heldIn);
        if (heldIn is not null) await denials.GroupFilterAsync(context, $"document in collection {heldIn}");
        if (document is null || (files.Locate(document) ?? library.ShelfFile(document)) is not { } path)
            return TypedResults.Problem(statusCode: 404, title: "no such document", detail: "it does not exist or you may not read it");
        var type = SourceFiles.ContentType(path);
        context.Response.Headers.XContentTypeOptions = "nosniff";
        // Office files come from many hands: shown text may never run script in the agent's origin.
        if (type != "application/pdf") context.Response.Headers.ContentSecurityPolicy = "sandbox; default-src 'none'";
        // PDFs open in the browser's viewer at the cited page; every other format is read on the page's
        // citation viewer as text, so here it is a download (an HTML file is never shown as raw source).
        var inline = type == "application/pdf";
        return TypedResults.PhysicalFile(path, type, inline ? null : Path.GetFileName(path), enableRangeProcessing: true);
    }

    /// <summary>
    /// GET /api/documents/{id}/text: the document's text as indexed, with its passages' places, for the
    /// page's citation viewer (every format shown as text, highlighted at the cited span), if the caller may read it.
    /// </summary>
    public static async Task<IResult> TextAsync(string id, Caller caller, HttpContext context, DocumentLibrary library, Conversations.ConversationStore conversations,
        AccessDenials denials, CancellationToken ct)
    {
        if (await library.TextAsync(id, caller.LibraryGroups, ct) is { } text) return TypedResults.Ok(text);
        // A file attached to one of the caller's own conversations opens in the same viewer.
        if (await conversations.AttachmentTextAsync(caller.Name, id, ct) is { } attached) return TypedResults.Ok(attached);
        library.FindDocument(id, caller.LibraryGroups, out var heldIn);
        if (heldIn is not null) await denials.GroupFilterAsync(context, $"document in collection {heldIn}");
        return TypedResults.Problem(statusCode: 404, title: "no such document", detail: "it does not exist or you may not read it");
    }

    /// <summary>DELETE /api/documents/{id}: erase the document's chunks, vectors and text, and record the erasure.</summary>
    /// <summary>DELETE /api/documents/{id}[?reason=…]: erases a document everywhere (admin or DPO), with the reason the erasure log keeps.</summary>
    public static async Task<IResult> DeleteAsync(string id, string? reason, Caller caller, DocumentLibrary library, CancellationToken ct)
    {
        if (reason is { Length: > MaxReasonLength })
            return TypedResults.Problem(statusCode: 400, title: "reason too long", detail: $"a reason of at most {MaxReasonLength} characters");
        try
        {
            return TypedResults.Ok(await library.DeleteDocumentAsync(id, caller.Name, ct, reason));
        }
        catch (DocumentLibraryException e)
        {
            return Refusal(e);
        }
    }

    private const int MaxReasonLength = 500;

    public static async Task<Ok<IReadOnlyList<ErasureRecord>>> ErasuresAsync(DocumentLibrary library, DateTimeOffset? since, CancellationToken ct) =>
        TypedResults.Ok(await library.ErasuresAsync(since, ct));

    /// <summary>See <see cref="AccessDenials.HeldBackAsync"/>.</summary>
    internal static Task RecordHeldBackAsync(IEnumerable<string>? requested, HttpContext context, DocumentLibrary library,
        ApplianceConfig config, AccessDenials denials) =>
        denials.HeldBackAsync(Caller.From(context.User), AccessDenials.RouteOf(context), requested, library, config);

    private static IResult TooLarge(ApplianceConfig config) => Hosting.PageProblems.Result(413, "file too large",
        $"files can be up to {config.Rag.MaxUploadMb} MB", Hosting.PageProblems.FileTooLarge, new() { ["limit"] = config.Rag.MaxUploadMb });

    internal static IResult Refusal(DocumentLibraryException e) => TypedResults.Problem(
        statusCode: e.Error switch { LibraryError.NotFound => 404, LibraryError.Forbidden => 403, LibraryError.TooLarge => 413, LibraryError.Busy => 409, _ => 400 },
        title: e.Error switch { LibraryError.NotFound => "not found", LibraryError.Forbidden => "not allowed", LibraryError.TooLarge => "too large", LibraryError.Busy => "busy", _ => "refused" },
        detail: e.Message);
}
