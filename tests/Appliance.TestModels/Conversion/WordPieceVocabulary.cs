namespace Appliance.TestModels.Conversion;

/// <summary>
/// A BERT WordPiece vocabulary (vocab.txt, one piece per line, the line number is the id) in the
/// form llama.cpp's WPM tokenizer matches against: a word-start piece gets a leading U+2581
/// (the "phantom space"), a `##x` continuation becomes `x`, the special tokens stay verbatim.
/// Stored verbatim instead, the model loads and silently tokenizes every word to [UNK].
/// </summary>
public sealed record WordPieceVocabulary(IReadOnlyList<string> Tokens, IReadOnlyList<int> Types)
{
    private const int Normal = 1, Control = 3;
    private static readonly string[] Specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

    public static WordPieceVocabulary Parse(string vocabText)
    {
        // The packaged vocab.txt has CRLF line endings; a trailing newline ends the last line.
        var lines = vocabText.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        if (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        var tokens = new List<string>(lines.Count);
        var types = new List<int>(lines.Count);
        foreach (var piece in lines)
        {
            var special = Specials.Contains(piece, StringComparer.Ordinal);
            tokens.Add(special ? piece : piece.StartsWith("##", StringComparison.Ordinal) ? piece[2..] : "\u2581" + piece);
            types.Add(special ? Control : Normal);
        }
        foreach (var s in Specials)
            if (!tokens.Contains(s)) throw new InvalidDataException($"the vocabulary has no {s} token");
        return new WordPieceVocabulary(tokens, types);
    }

    public int Id(string special) => Enumerable.Range(0, Tokens.Count).First(i => Tokens[i] == special);
}
