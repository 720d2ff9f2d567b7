namespace Appliance.TestModels;

/// <summary>
/// A small SentencePiece (llama "SPM") vocabulary: unknown, BOS/EOS and the ChatML control tokens,
/// the 256 byte-fallback tokens, then word pieces. llama.cpp's SPM tokenizer only reaches a piece
/// through merges of pieces that exist, so every word brings all of its prefixes; the score is the
/// merge priority (longer pieces first).
/// </summary>
public sealed record SpmVocabulary(IReadOnlyList<string> Tokens, IReadOnlyList<float> Scores, IReadOnlyList<int> Types)
{
    public const int Unknown = 0, Bos = 1, Eos = 2, ImStart = 3, ImEnd = 4;
    private const int Normal = 1, UnknownType = 2, Control = 3, Byte = 6;

    private static readonly string[] Words =
    [
        "the", "and", "for", "you", "that", "with", "this", "from", "have", "not", "are", "was", "can", "will",
        "what", "when", "where", "which", "who", "how", "why", "all", "any", "each", "one", "two", "three",
        "office", "file", "files", "client", "clients", "contract", "document", "documents", "policy", "report",
        "question", "answer", "please", "thank", "hello", "help", "model", "test", "random", "weights", "text",
        "private", "data", "search", "find", "show", "read", "write", "send", "mail", "letter", "date", "time",
        "year", "month", "week", "day", "today", "name", "number", "page", "section", "law", "court", "case",
        "staff", "team", "work", "holiday", "leave", "salary", "invoice", "pay", "cost", "price", "box", "machine",
        "about", "after", "before", "under", "over", "into", "out", "up", "down", "new", "old", "good", "more",
        "system", "user", "assistant", "is", "in", "on", "of", "to", "a", "it", "be", "as", "at", "by", "or", "an",
    ];

    public static SpmVocabulary Build()
    {
        var tokens = new List<string> { "<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>" };
        var types = new List<int> { UnknownType, Control, Control, Control, Control };
        for (var b = 0; b < 256; b++)
        {
            tokens.Add($"<0x{b:X2}>");
            types.Add(Byte);
        }

        var pieces = new List<string> { "\u2581" };
        foreach (var c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,:;!?'\"()-/")
        {
            pieces.Add(c.ToString());
            pieces.Add("\u2581" + c);
        }
        foreach (var word in Words)
            for (var length = 2; length <= word.Length; length++)
            {
                pieces.Add("\u2581" + word[..length]);
                if (length < word.Length) pieces.Add(word[..length]);
            }
        var distinct = pieces.Distinct(StringComparer.Ordinal).ToList();
        foreach (var piece in distinct)
        {
            tokens.Add(piece);
            types.Add(Normal);
        }

        // Control and byte tokens score 0; pieces score by length so longer merges win.
        var scores = tokens.Select((t, i) => types[i] == Normal ? -1000f + t.Length * 10f - i * 0.001f : 0f).ToList();
        return new SpmVocabulary(tokens, scores, types);
    }
}
