using System.Text.Json.Serialization;
using Appliance.Agent.Documents;

namespace Appliance.Agent.Conversations;

/// <summary>How a turn ended: the whole answer, or the part written before its asker pressed Stop.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TurnOutcome>))]
public enum TurnOutcome
{
    [JsonStringEnumMemberName("answered")] Answered,
    [JsonStringEnumMemberName("stopped")] Stopped,
}

/// <summary>An employee's verdict on one answer.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Rating>))]
public enum Rating
{
    [JsonStringEnumMemberName("up")] Up,
    [JsonStringEnumMemberName("down")] Down,
}

/// <summary>A conversation as the sidebar lists it; <paramref name="Collections"/> is its scope (null: everything the owner may read).</summary>
public sealed record ConversationSummary(string Id, string Title, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<string>? Collections, int Turns);

/// <summary>
/// One question and its answer as the asker saw it: what was searched for it (the follow-up made
/// standalone), the numbered sources, the citations the answer uses, and how it ended.
/// </summary>
public sealed record Turn(
    long Id,
    string Question,
    string Searched,
    string Answer,
    IReadOnlyList<CitationView> Sources,
    IReadOnlyList<CitationView> Citations,
    string Notice,
    bool TestModel,
    bool Extractive,
    TurnOutcome Outcome,
    DateTimeOffset AskedAt,
    Rating? Rating);

/// <summary>A conversation reopened from history: its summary and every turn, oldest first.</summary>
public sealed record Conversation(ConversationSummary Summary, IReadOnlyList<Turn> Turns);

/// <summary>A turn about to be stored (the store gives it its id and time).</summary>
public sealed record NewTurn(
    string Question,
    string Searched,
    string Answer,
    IReadOnlyList<CitationView> Sources,
    IReadOnlyList<CitationView> Citations,
    string Notice,
    bool TestModel,
    bool Extractive,
    TurnOutcome Outcome);

/// <summary>Thumbs per collection the rated answers drew on, for the admin; never a question or a comment.</summary>
public sealed record FeedbackCount(string Collection, int Up, int Down, int Comments);
