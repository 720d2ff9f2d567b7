using Appliance.Agent.Documents;
using Appliance.Inference;
using Microsoft.Extensions.AI;

namespace Appliance.Agent.Answers;

/// <summary>
/// What an answer is made of, in order: the sources, pieces of the answer, then the summary — or, in
/// place of all of them, the refusal (before anything is sent, so a route can still choose its status).
/// </summary>
public abstract record AnswerEvent
{
    public sealed record Sources(IReadOnlyList<CitationView> Items) : AnswerEvent;
    public sealed record Delta(string Text) : AnswerEvent;
    public sealed record Done(AnswerSummary Summary, ChatFinishReason? Finish) : AnswerEvent;
    public sealed record Refused(Refusal Refusal) : AnswerEvent;
}

public sealed record AnswerUsage(int PromptTokens, int CompletionTokens);

public sealed record AnswerTiming(double FirstTokenMs, double TotalMs, double TokensPerSecond);

/// <summary>
/// The finished answer: its text with [n] markers, the citations those markers use, whether it was
/// composed without a model (extractive), and whether a meaningless test model wrote it.
/// </summary>
public sealed record AnswerSummary(
    string Answer,
    IReadOnlyList<CitationView> Citations,
    bool Extractive,
    bool TestModel,
    string Notice,
    AnswerUsage Usage,
    AnswerTiming Timing,
    IReadOnlyList<string> RetrievedDocumentIds);
