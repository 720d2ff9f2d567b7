namespace Appliance.Rag;

/// <summary>
/// A collection the box writes itself, not a folder in appliance.yaml: the results of one person's
/// jobs (readable by that person alone), or a scheduled digest (readable by its recipient groups).
/// Its documents are cited, searched and erased like any other; only its readers are its own.
/// </summary>
/// <param name="Id">never a configured collection's id: those are identifiers, a shelf's has a colon</param>
/// <param name="Readers">the groups that may read it; a person's own shelf has the person's group (<see cref="PersonGroup"/>)</param>
public sealed record Shelf(string Id, string Title, IReadOnlyList<string> Readers)
{
    private const string PersonalPrefix = "personal:";
    private const string PersonPrefix = "person:";

    /// <summary>The shelf of one person's job results.</summary>
    public static Shelf Personal(string user) => new(PersonalPrefix + user, $"Job results of {user}", [PersonGroup(user)]);

    /// <summary>
    /// The group only <paramref name="user"/> is in: what a search on their behalf adds to their
    /// groups so their own shelf is readable (configured group ids cannot have a colon).
    /// </summary>
    public static string PersonGroup(string user) => PersonPrefix + user;

    /// <summary>The shelf of a collection's scheduled digests, for the groups they are sent to.</summary>
    public static Shelf Digest(string collectionId, string title, IReadOnlyList<string> recipients) =>
        new("digest:" + collectionId, title, recipients);

    /// <summary>Whether a stored collection is a shelf (its id has a colon) rather than configured.</summary>
    public static bool IsShelf(string collectionId) => collectionId.Contains(':');
}
