using System.Globalization;
using Appliance.Agent.Web;
using Appliance.Audit.Render;
using PdfSharp.Pdf;

namespace Appliance.Agent.Audit;

/// <summary>The access report as a PDF for the answer to the data subject: in the DPO's language, box-local times.</summary>
public sealed class AccessReportPdf(PageStrings strings, TimeProvider clock)
{
    public byte[] Render(AccessReport report, string language)
    {
        string S(string key, Dictionary<string, string>? values = null) => strings.Get(language, key, values);
        string When(DateTimeOffset? at) => at is { } t
            ? TimeZoneInfo.ConvertTime(t, clock.LocalTimeZone).ToString(strings.Get(language, "export.dateFormat"), CultureInfo.InvariantCulture)
            : "—";
        string N(long n) => n.ToString(CultureInfo.InvariantCulture);
        static string Key(Enum value) => value.ToString().ToLowerInvariant();

        using var document = new PdfDocument();
        document.Info.Title = S("dpoDesk.requestsTitle");
        document.Info.Author = report.Appliance;
        var page = new PdfPageWriter(document);
        page.Title(S("dpoDesk.pdfTitle"));
        page.Text(S("dpoDesk.generated", new() { ["date"] = $"{When(report.GeneratedAt)} ({clock.LocalTimeZone.Id})", ["appliance"] = report.Appliance,
            ["user"] = report.GeneratedBy, ["subject"] = report.Subject.ToString() }));

        page.Heading(S("dpoDesk.accountTitle"));
        if (report.Account is { } a)
            page.Table(["", ""], [
                [S("dpoDesk.accountName"), $"{a.DisplayName} ({a.Name})"],
                [S("admin.source"), a.Source.ToString().ToLowerInvariant()],
                [S("admin.roles"), string.Join(", ", a.Roles.Select(r => S("role." + r)))],
                [S("admin.groups"), string.Join(", ", a.Groups)],
                [S("dpoDesk.lastSignIn"), When(a.LastSignIn)],
                [S("header.language"), a.Language ?? "—"],
            ], [150, 345]);
        else page.Text(S(report.Subject.Account is null ? "dpoDesk.noAccountGiven" : "dpoDesk.noSuchAccount"));

        page.Heading(S("dpoDesk.tokens"));
        page.Table([S("admin.tokenName"), S("admin.created"), S("admin.lastUsed"), S("admin.revoked")],
            report.Tokens.Select(t => new[] { t.Name, When(t.Created), When(t.LastUsed), When(t.Revoked) }), [165, 110, 110, 110], S("dpoDesk.none"));

        page.Heading(S("dpoDesk.signIns"));
        page.Table([S("dpo.time"), S("dpoDesk.kind"), S("dpo.route"), S("dpo.reason")],
            report.SignIns.Select(e => new[] { When(e.At), S("dpoDesk.kind." + SecurityEndpoints.KindName(e.Kind)), e.Route ?? "", e.Reason }),
            [110, 100, 120, 165], S("dpoDesk.none"));

        page.Heading(S("dpoDesk.queries"));
        page.Text(S("dpoDesk.queryMode", new() { ["mode"] = report.QuestionMode, ["days"] = N(report.RetentionDays) }));
        page.Table([S("dpo.time"), S("dpo.route"), S("dpo.question"), S("dpo.documents")],
            report.Queries.Select(q => new[] { When(q.At), q.Route ?? "", q.Question ?? "—",
                string.Join(", ", q.Documents.Select(d => d.Path)) + (q.OtherDocuments > 0 ? $" (+{N(q.OtherDocuments)})" : "") }),
            [100, 95, 190, 110], S("dpoDesk.none"));

        page.Heading(S("dpoDesk.conversations"));
        if (report.Conversations.Count == 0) page.Text(S("dpoDesk.none"));
        foreach (var c in report.Conversations)
        {
            page.Subheading(c.Summary.Title);
            page.Text(S("dpoDesk.conversationDates", new() { ["created"] = When(c.Summary.CreatedAt), ["updated"] = When(c.Summary.UpdatedAt) }));
            foreach (var q in c.Questions) page.Bullet($"{When(q.AskedAt)}: {q.Question}");
            foreach (var attachment in c.Attachments) page.Bullet(S("dpoDesk.attachment", new() { ["name"] = attachment.Name, ["date"] = When(attachment.AddedAt) }));
        }

        page.Heading(S("dpoDesk.jobs"));
        if (report.Jobs.Count == 0) page.Text(S("dpoDesk.none"));
        foreach (var j in report.Jobs)
        {
            page.Subheading(j.Name);
            // The page's own words for the job's task, schedule and state (their keys are the lower-case names).
            page.Text($"{S("jobs.task." + Key(j.Task))}, {S("jobs.schedule." + Key(j.Schedule))}, {S("jobs.state." + Key(j.State))} — "
                + S("dpoDesk.jobDates", new() { ["created"] = When(j.CreatedAt), ["done"] = N(j.DocumentsDone), ["total"] = N(j.DocumentsTotal) }));
            page.Bullet(S("dpoDesk.jobPrompt", new() { ["prompt"] = j.Prompt }));
            if (j.Result is { } result) page.Bullet(S("dpoDesk.jobResult", new() { ["title"] = result.Title, ["date"] = When(result.WrittenAt) }));
        }

        page.Heading(S("dpoDesk.documents"));
        if (report.Subject.Variants.Count == 0) page.Text(S("dpoDesk.noVariants"));
        else if (report.Documents.Count == 0) page.Text(S("dpoDesk.noDocuments"));
        foreach (var collection in report.Documents)
        {
            page.Subheading(collection.Title);
            foreach (var d in collection.Documents)
            {
                page.Bullet($"{d.Title} — {d.Path}" + (d.SourceFile is { } source ? " — " + S("dpoDesk.sourceFile", new() { ["path"] = source }) : ""));
                foreach (var m in d.Mentions)
                    page.Text("    " + (m.Page is { } p ? S("source.page", new() { ["page"] = N(p) }) + ": " : "") + $"“{m.Snippet}” ({string.Join(", ", m.Variants)})");
            }
        }
        foreach (var c in report.NotSearched)
            page.Warning(S("dpoDesk.notSearched", new() { ["collection"] = c.Title, ["groups"] = string.Join(", ", c.Groups) }));
        foreach (var v in report.VariantsAtLimit)
            page.Warning(S("dpoDesk.atLimit", new() { ["variant"] = v, ["count"] = N(AccessReportBuilder.PassagesPerVariant) }));
        page.Finish();
        using var stream = new MemoryStream();
        document.Save(stream);
        return stream.ToArray();
    }
}
