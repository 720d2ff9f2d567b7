using System.Text;
using Appliance.Llama;

namespace Appliance.Inference;

/// <summary>
/// Turns sampled tokens into text that is safe to stream: pieces are UTF-8 fragments (a character
/// may span tokens), and text that could be the start of a stop string is held back until it is
/// known not to be one. A stop string ends the output and is not part of it.
/// </summary>
internal sealed class GeneratedText(LlamaModel model, IReadOnlyList<string> stopStrings)
{
    private readonly Decoder _utf8 = Encoding.UTF8.GetDecoder();
    private readonly StringBuilder _text = new();
    private readonly byte[] _piece = new byte[256];
    private readonly char[] _chars = new char[512];
    private int _emitted;
    private bool _stopped;

    /// <summary>Adds a token; returns the text that may be shown now and whether a stop string was hit.</summary>
    public (string Text, bool Stopped) Append(int token)
    {
        var n = model.TokenToPiece(token, _piece);
        if (n > 0)
        {
            var chars = _utf8.GetChars(_piece, 0, n, _chars, 0, flush: false);
            _text.Append(_chars, 0, chars);
        }
        if (stopStrings.Count == 0) return (Take(_text.Length), false);

        var full = _text.ToString();
        var stopAt = -1;
        foreach (var stop in stopStrings)
        {
            if (stop.Length == 0) continue;
            var at = full.IndexOf(stop, _emitted, StringComparison.Ordinal);
            if (at >= 0 && (stopAt < 0 || at < stopAt)) stopAt = at;
        }
        if (stopAt >= 0)
        {
            _stopped = true;
            return (Take(stopAt), true);
        }
        return (Take(full.Length - HeldBack(full)), false);
    }

    /// <summary>Whatever is still held back when generation ends; nothing after a stop string.</summary>
    public string Flush() => _stopped ? "" : Take(_text.Length);

    private int HeldBack(string full)
    {
        var held = 0;
        foreach (var stop in stopStrings)
            for (var k = Math.Min(stop.Length - 1, full.Length - _emitted); k > held; k--)
                if (full.AsSpan(full.Length - k).SequenceEqual(stop.AsSpan(0, k)))
                {
                    held = k;
                    break;
                }
        return held;
    }

    private string Take(int upTo)
    {
        if (upTo <= _emitted) return "";
        var s = _text.ToString(_emitted, upTo - _emitted);
        _emitted = upTo;
        return s;
    }
}
