namespace Appliance.Rag.Chunking;

/// <summary>
/// A piece of a document sized for the embedding model, with where it came from. Offsets are
/// character positions in the document's extracted text (blocks joined by a blank line).
/// <paramref name="Recognised"/>: read from a scan by OCR.
/// </summary>
public sealed record Chunk(int Ordinal, string Text, int? Page, string SectionPath, int StartChar, int EndChar, int Tokens, bool Recognised = false);
