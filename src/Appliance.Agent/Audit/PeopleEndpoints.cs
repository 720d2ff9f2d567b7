using Appliance.Agent.Conversations;
using Appliance.Agent.Hosting;
using Appliance.Agent.Identity;
using Appliance.Agent.Jobs;
using Appliance.Agent.Web;
using Appliance.Rag;

namespace Appliance.Agent.Audit;

/// <summary>
/// The DPO's answers to data subjects: the access report (Art. 15) and the erasure of a person's
/// conversations, jobs and account (Art. 17), each erasure with its record. Documents are erased one by one
/// through DELETE /api/documents/{id}, which keeps the library's erasure record.
/// </summary>
public static class PeopleEndpoints
{
    private const int MaxReasonLength = 500;

    /// <summary>
    /// GET /api/audit/access-report?account=NAME&amp;variant=Name%20Surname&amp;variant=name@example.ch&amp;format=json|pdf&amp;language=de:
    /// the report, as JSON for the page and the file, or as a PDF. Each run is recorded as a security
    /// event (who, when, for whom) — never what it found.
    /// </summary>
    public static async Task<IResult> ReportAsync(Caller caller, HttpContext context, AccessReportBuilder builder, AccessReportPdf pdf, SecurityEvents events,
        IdentityStore identity, TimeProvider clock, string? account, string[]? variant, string? format, string? language, CancellationToken ct)
    {
        var variants = (variant ?? []).Select(v => v.Trim()).Where(v => v.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var name = string.IsNullOrWhiteSpace(account) ? null : account.Trim();
        if (name is null && variants.Count == 0)
            return BadRequest("nothing to look for", "give the person's account (account=) and/or how their name and e-mail are written (variant=, repeatable)");
        if (variants.Count > ReportSubject.MaxVariants || variants.Any(v => v.Length > ReportSubject.MaxVariantLength))
            return BadRequest("too many or too long variants", $"at most {ReportSubject.MaxVariants} variants of at most {ReportSubject.MaxVariantLength} characters");
        if (format is not (null or "json" or "pdf"))
            return BadRequest("unknown format", "format is json or pdf");
        var dpo = caller;
        var subject = new ReportSubject(name, variants);
        var report = await builder.BuildAsync(subject, dpo, ct);
        // Recorded once it ran, so a report that failed halfway is not claimed; nothing it found goes into the record.
        await events.RecordAccessReportAsync(dpo.Name, subject.ToString(), ct);
        var stamp = clock.GetLocalNow().ToString("yyyyMMdd-HHmm", System.Globalization.CultureInfo.InvariantCulture);
        var file = "access-report-" + FileSafe(name ?? variants[0]) + "-" + stamp;
        if (format == "pdf")
        {
            var lang = PageStrings.Language(language ?? await identity.LanguageAsync(dpo.Name, ct));
            return TypedResults.File(pdf.Render(report, lang), "application/pdf", file + ".pdf");
        }
        if (format == "json") context.Response.Headers.ContentDisposition = $"attachment; filename=\"{file}.json\"";
        return TypedResults.Ok(report);
    }

    /// <summary>DELETE /api/audit/people/{name}/conversations?reason=: every conversation of the person and their attachments, with an erasure record.</summary>
    public static async Task<IResult> EraseConversationsAsync(string name, string? reason, Caller caller, ConversationStore store, PersonErasures erasures,
        ILogger<ConversationStore> logger, CancellationToken ct)
    {
        if (reason is { Length: > MaxReasonLength }) return BadRequest("reason too long", $"a reason of at most {MaxReasonLength} characters");
        var dpo = caller.Name;
        var erased = await store.ErasePersonAsync(name, ct);
        var record = await erasures.RecordAsync(PersonErasureKind.Conversations, name, erased.Conversations, erased.Attachments, dpo,
            Reason(reason, dpo), null, ct);
        logger.LogInformation("erased {Count} conversations of {Person} at the request of {Dpo}", erased.Conversations, name, dpo);
        return TypedResults.Ok(new { person = name, conversations_erased = erased.Conversations, attachments_erased = erased.Attachments, record });
    }

    /// <summary>
    /// DELETE /api/audit/people/{name}/account?reason=: the account's tokens, password, sign-in state and
    /// preferences, with an erasure record; 404 when there is no such account. An account appliance.yaml
    /// still names is listed as remaining there, for IT to remove.
    /// </summary>
    public static async Task<IResult> EraseAccountAsync(string name, string? reason, Caller caller, IdentityStore identity, PersonErasures erasures,
        AgentOptions options, ILogger<IdentityStore> logger, CancellationToken ct)
    {
        if (reason is { Length: > MaxReasonLength }) return BadRequest("reason too long", $"a reason of at most {MaxReasonLength} characters");
        var dpo = caller.Name;
        if (dpo == name) return TypedResults.Problem(statusCode: 409, title: "your own account", detail: "another DPO or IT erases the account you are signed in with");
        if (await identity.EraseAccountAsync(name, ct) is not { } erased)
            return TypedResults.Problem(statusCode: 404, title: "no such account", detail: $"the box has no account named '{name}'");
        var remaining = erased.StillConfigured ? $"auth.users entry '{name}' in {options.ConfigFile}" : null;
        var record = await erasures.RecordAsync(PersonErasureKind.Account, name, erased.Tokens, 0, dpo, Reason(reason, dpo), remaining, ct);
        logger.LogInformation("erased the account {Person} ({Tokens} tokens) at the request of {Dpo}", name, erased.Tokens, dpo);
        return TypedResults.Ok(new { person = name, tokens_erased = erased.Tokens, still_configured = erased.StillConfigured, remaining, record });
    }

    /// <summary>
    /// DELETE /api/audit/people/{name}/jobs?reason=: every job of the person (a run in progress stops),
    /// what the jobs wrote about single documents, and every result on the person's own shelf — each
    /// result with the library's erasure record, the jobs with one erasure record.
    /// </summary>
    public static async Task<IResult> EraseJobsAsync(string name, string? reason, Caller caller, JobStore jobs, JobRunner runner, DocumentLibrary library,
        PersonErasures erasures, ILogger<JobStore> logger, CancellationToken ct)
    {
        if (reason is { Length: > MaxReasonLength }) return BadRequest("reason too long", $"a reason of at most {MaxReasonLength} characters");
        var dpo = caller.Name;
        var why = Reason(reason, dpo);
        var erased = await jobs.ErasePersonAsync(name, ct);
        foreach (var id in erased.JobIds) runner.Cancelled(id);
        // The shelf's listing, not only the results the jobs remembered: also results their owner kept after a job ended.
        var shelf = Shelf.Personal(name);
        var results = (await library.ListDocumentsAsync(shelf.Readers, ct)).Where(d => d.CollectionId == shelf.Id).ToList();
        var erasedResults = 0;
        foreach (var document in results)
        {
            try
            {
                await library.DeleteDocumentAsync(document.Id, dpo, ct, why);
                erasedResults++;
            }
            catch (DocumentLibraryException e) when (e.Error == LibraryError.NotFound)
            {
                // Erased meanwhile (by its owner): nothing left to erase.
            }
        }
        var record = await erasures.RecordAsync(PersonErasureKind.Jobs, name, erased.Jobs, erasedResults, dpo, why, null, ct);
        logger.LogInformation("erased {Jobs} jobs and {Results} results of {Person} at the request of {Dpo}", erased.Jobs, erasedResults, name, dpo);
        return TypedResults.Ok(new { person = name, jobs_erased = erased.Jobs, outputs_erased = erased.Outputs, results_erased = erasedResults, record });
    }

    /// <summary>GET /api/audit/erasures/people: the records of erased conversations and accounts, newest first.</summary>
    public static async Task<IResult> ErasuresAsync(PersonErasures erasures, CancellationToken ct) => TypedResults.Ok(await erasures.ListAsync(ct));

    private static string Reason(string? reason, string dpo) => string.IsNullOrWhiteSpace(reason) ? $"erased by {dpo}" : reason.Trim();

    private static string FileSafe(string text)
    {
        var safe = new string([.. text.Select(c => char.IsLetterOrDigit(c) ? c : '-')]).Trim('-');
        return safe.Length == 0 ? "person" : safe[..Math.Min(40, safe.Length)];
    }

    private static IResult BadRequest(string title, string detail) => TypedResults.Problem(statusCode: 400, title: title, detail: detail);
}
