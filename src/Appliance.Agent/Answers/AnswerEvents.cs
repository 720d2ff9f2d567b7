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
    /// <param name="Searched">what retrieval searched: the question, or a follow-up made standalone; null for a plain chat</param>
    public sealed record Sources(IReadOnlyList<CitationView> Items, string? Searched) : AnswerEvent;
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
    IReadOnlyList<string> RetrievedDocumentIds)
{
    /// <summary>What retrieval searched: the question, or the follow-up made standalone (null for a plain chat).</summary>
    public string? Searched { get; init; }
}
