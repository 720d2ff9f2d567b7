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

/// <summary>A conversation reopened from history: its summary, every turn (oldest first) and the files attached to it.</summary>
public sealed record Conversation(ConversationSummary Summary, IReadOnlyList<Turn> Turns, IReadOnlyList<Attachment> Attachments);

/// <summary>A file attached to a conversation: read for its owner only, cited like a document, erased with the conversation.</summary>
public sealed record Attachment(string Id, string Name, string Title, int Passages, DateTimeOffset AddedAt)
{
    /// <summary>The collection id its citations carry: no configured collection can have it (ids are identifiers, this has a colon).</summary>
    public const string CollectionId = "conversation:attachment";

    /// <summary>How its citations name the file: apart from the office's documents.</summary>
    public static string PathOf(string name) => "attachments/" + name;
}

/// <summary>One passage of an attachment, with what ranking needs.</summary>
public sealed record AttachedPassage(Attachment Attachment, Appliance.Rag.DocumentPassage Place, string Text, float[]? Vector);

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

/// <summary>One question of a conversation as the access report lists it.</summary>
public sealed record AskedQuestion(string Question, DateTimeOffset AskedAt);

/// <summary>A person's conversation as the DPO's access report lists it: its summary, its questions and its attachments.</summary>
public sealed record PersonConversation(ConversationSummary Summary, IReadOnlyList<AskedQuestion> Questions, IReadOnlyList<Attachment> Attachments);

/// <summary>What erasing a person's conversations removed.</summary>
public sealed record PersonConversationsErased(int Conversations, int Attachments);
