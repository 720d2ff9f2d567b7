using System.Globalization;
using System.Text;
using Appliance.Agent.Documents;
using Appliance.Agent.Web;
using Appliance.Audit.Render;
using PdfSharp.Pdf;

namespace Appliance.Agent.Conversations;

/// <summary>
/// A conversation for the file note: every question, its answer and the sources with their places,
/// in the reader's language and the box's time zone, as Markdown or as a PDF. Answers from the
/// generated test model carry the notice that their text is meaningless, as on the page.
/// </summary>
public sealed class ConversationExport(PageStrings strings, TimeProvider clock)
{
    public string Markdown(Conversation conversation, string language, string appliance, string user)
    {
        var text = new StringBuilder();
        text.Append("# ").AppendLine(conversation.Summary.Title).AppendLine();
        text.AppendLine(Exported(language, appliance, user)).AppendLine();
        foreach (var (turn, n) in conversation.Turns.Select((t, i) => (t, i + 1)))
        {
            text.Append("## ").Append(strings.Get(language, "export.question", new Dictionary<string, string> { ["n"] = N(n, language) }))
                .Append(" (").Append(strings.Get(language, "export.asked", new Dictionary<string, string> { ["date"] = When(turn.AskedAt, language) })).AppendLine(")").AppendLine();
            foreach (var line in turn.Question.Split('\n')) text.Append("> ").AppendLine(line);
            text.AppendLine();
            if (turn.Searched != turn.Question) text.Append('*').Append(Searched(turn, language)).AppendLine("*").AppendLine();
            text.AppendLine(turn.Answer.Trim()).AppendLine();
            text.Append("*").Append(Notice(turn, language)).AppendLine("*").AppendLine();
            if (turn.Sources.Count == 0) continue;
            text.Append("**").Append(strings.Get(language, "ask.sources")).AppendLine("**").AppendLine();
            foreach (var source in turn.Sources) text.Append(source.Number ?? 0).Append(". ").AppendLine(Place(source, language));
            text.AppendLine();
        }
        return text.ToString();
    }

    public byte[] Pdf(Conversation conversation, string language, string appliance, string user)
    {
        using var document = new PdfDocument();
        document.Info.Title = conversation.Summary.Title;
        document.Info.Author = appliance;
        var page = new PdfPageWriter(document);
        page.Title(conversation.Summary.Title.Length <= 60 ? conversation.Summary.Title : conversation.Summary.Title[..59] + "…");
        page.Text(Exported(language, appliance, user));
        foreach (var (turn, n) in conversation.Turns.Select((t, i) => (t, i + 1)))
        {
            page.Heading(strings.Get(language, "export.question", new Dictionary<string, string> { ["n"] = N(n, language) }));
            page.Subheading(turn.Question);
            page.Text(strings.Get(language, "export.asked", new Dictionary<string, string> { ["date"] = When(turn.AskedAt, language) }));
            if (turn.Searched != turn.Question) page.Text(Searched(turn, language));
            page.Text(turn.Answer.Trim());
            page.Warning(Notice(turn, language));
            if (turn.Sources.Count == 0) continue;
            page.Subheading(strings.Get(language, "ask.sources"));
            foreach (var source in turn.Sources) page.Bullet($"[{source.Number}] {Place(source, language)}");
        }
        page.Finish();
        using var stream = new MemoryStream();
        document.Save(stream);
        return stream.ToArray();
    }

    private string Exported(string language, string appliance, string user) => strings.Get(language, "export.exported",
        new Dictionary<string, string> { ["date"] = $"{When(clock.GetUtcNow(), language)} ({clock.LocalTimeZone.Id})", ["appliance"] = appliance, ["user"] = user });

    private string Searched(Turn turn, string language) => strings.Get(language, "ask.searched", new Dictionary<string, string> { ["query"] = turn.Searched });

    private string Notice(Turn turn, string language) => strings.Get(language,
        turn.Outcome == TurnOutcome.Stopped ? "ask.stopped" : turn.TestModel ? "ask.testModelNotice" : turn.Extractive ? "ask.extractive" : "ask.aiNotice");

    private string Place(CitationView source, string language) => string.Join(", ", new[]
    {
        source.Title,
        source.Page is { } p ? strings.Get(language, "source.page", new Dictionary<string, string> { ["page"] = N(p, language) }) : null,
        source.Section.Length > 0 ? source.Section : null,
        source.Path,
    }.OfType<string>()) + (source.Snippet.Length > 0 ? $" — “{source.Snippet}”" : "");

    /// <summary>
    /// A time in the box's time zone, in the reader's language's numeric pattern (the agent runs without
    /// ICU culture data, so the pattern comes from the page's strings rather than from a culture).
    /// </summary>
    private string When(DateTimeOffset at, string language) =>
        TimeZoneInfo.ConvertTime(at, clock.LocalTimeZone).ToString(strings.Get(language, "export.dateFormat"), CultureInfo.InvariantCulture);

    private static string N(int n, string language) => n.ToString(CultureInfo.InvariantCulture);
}
