namespace Appliance.Rag;

/// <summary>What went wrong, so an HTTP layer can pick 404, 403, 400, 413 or 409 without parsing messages.</summary>
public enum LibraryError { NotFound, Forbidden, Invalid, TooLarge, Busy }

/// <summary>A request the library refuses, with a message fit to show the person who made it.</summary>
public sealed class DocumentLibraryException(LibraryError error, string message) : Exception(message)
{
    public LibraryError Error { get; } = error;
}
