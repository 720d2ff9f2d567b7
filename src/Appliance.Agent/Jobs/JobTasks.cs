using System.Text;
using Appliance.Agent.Documents;

namespace Appliance.Agent.Jobs;

/// <summary>
/// What each task asks the model about one document (the default prompt template, which a person may
/// replace), and how a run's pieces become one Markdown document with its sources.
/// </summary>
public static class JobTasks
{
    /// <summary>The placeholders a prompt template may use; each is replaced per document.</summary>
    public const string TitlePlaceholder = "{title}";
    public const string CollectionPlaceholder = "{collection}";

    public const int MaxPromptLength = 2000;

    public static string DefaultPrompt(JobTask task) => task switch
    {
        JobTask.Summarise => "Summarise the document “{title}” in three to five sentences. Cite its passages as [n].",
        JobTask.Deadlines => "List every date, deadline and time limit in the document “{title}”, one per line as: date — what is due [n]. Write “none” if it has none.",
        JobTask.Digest => "Say in one or two sentences what the new document “{title}” in {collection} is about [n].",
        _ => throw new ArgumentOutOfRangeException(nameof(task)),
    };

    /// <summary>The instruction for one document: the template with its placeholders filled.</summary>
    public static string Instruction(string template, string title, string collectionTitle) =>
        template.Replace(TitlePlaceholder, title, StringComparison.Ordinal).Replace(CollectionPlaceholder, collectionTitle, StringComparison.Ordinal);

    /// <summary>One run's result: a title line, who asked and when, the notice about how it was written, then each document's piece and its sources.</summary>
    public static string Render(JobRequest request, DateTimeOffset runStarted, string notice, IReadOnlyList<JobItem> items,
        IReadOnlyDictionary<string, string> collectionTitles)
    {
        var text = new StringBuilder();
        text.Append("# ").Append(request.Name).Append("\n\n");
        text.Append('*').Append(notice).Append("*\n\n");
        text.Append($"Job for {request.Owner}, run {runStarted.UtcDateTime:yyyy-MM-dd HH:mm} UTC over {items.Count} document(s).\n\n");
        string Collection(JobItem item) => collectionTitles.GetValueOrDefault(item.CollectionId, item.CollectionId);
        switch (request.Task)
        {
            case JobTask.Deadlines:
                text.Append("| Document | Dates and deadlines |\n| --- | --- |\n");
                foreach (var item in items)
                    text.Append("| ").Append(Cell(item.Title)).Append(" | ").Append(Cell(item.Output ?? "")).Append(" |\n");
                text.Append('\n');
                foreach (var item in items) AppendSources(text, item);
                break;
            case JobTask.Digest:
                foreach (var group in items.GroupBy(Collection))
                {
                    text.Append("## ").Append(group.Key).Append("\n\n");
                    foreach (var item in group)
                        text.Append("- **").Append(item.Title).Append("** (").Append(item.Path).Append("): ").Append(OneLine(item.Output ?? "")).Append('\n');
                    text.Append('\n');
                }
                foreach (var item in items) AppendSources(text, item);
                break;
            default:
                foreach (var item in items)
                {
                    text.Append("## ").Append(item.Title).Append("\n\n").Append(Collection(item)).Append(", ").Append(item.Path).Append("\n\n");
                    text.Append((item.Output ?? "").Trim()).Append("\n\n");
                    AppendSources(text, item);
                }
                break;
        }
        if (items.Count == 0) text.Append("No document matched.\n");
        return Printable(text.ToString());
    }

    /// <summary>
    /// The result without control characters (line breaks and tabs stay): a model can write a NUL or
    /// an escape, and the library rightly refuses a text file holding NUL bytes as binary.
    /// </summary>
    public static string Printable(string text) =>
        text.Any(c => char.IsControl(c) && c is not ('\n' or '\t'))
            ? string.Concat(text.Where(c => !char.IsControl(c) || c is '\n' or '\t'))
            : text;

    private static void AppendSources(StringBuilder text, JobItem item)
    {
        if (item.Citations.Count == 0) return;
        text.Append("Sources for ").Append(item.Title).Append(":\n\n");
        foreach (var c in item.Citations)
        {
            text.Append("- [").Append(c.Number).Append("] ").Append(c.Title).Append(", ").Append(c.Path);
            if (c.Location.Length > 0) text.Append(", ").Append(c.Location);
            if (c.Section.Length > 0) text.Append(", ").Append(c.Section);
            text.Append(" (document ").Append(c.DocumentId).Append(", characters ").Append(c.StartChar).Append('–').Append(c.EndChar).Append(")\n");
        }
        text.Append('\n');
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static string Cell(string text) => OneLine(text).Replace("|", "\\|", StringComparison.Ordinal);
}
