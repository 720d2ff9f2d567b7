namespace Appliance.Rag.Chunking;

/// <summary>Counts tokens the way the embedding model will see them, so chunks fit its window.</summary>
public interface ITokenCounter
{
    int CountTokens(string text);
}

/// <summary>
/// An estimate for when no tokenizer is loaded (lexical-only ingestion): one token per short word
/// or symbol, long words split every six characters — close to BPE/WordPiece counts for prose.
/// </summary>
public sealed class EstimatedTokenCounter : ITokenCounter
{
    public int CountTokens(string text)
    {
        var tokens = 0;
        var word = 0;
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c)) { word++; continue; }
            if (word > 0) { tokens += 1 + (word - 1) / 6; word = 0; }
            if (!char.IsWhiteSpace(c)) tokens++;
        }
        if (word > 0) tokens += 1 + (word - 1) / 6;
        return tokens;
    }
}
