using Appliance.Llama;
using Microsoft.Extensions.AI;

namespace Appliance.Inference;

/// <summary>
/// Chat messages → prompt tokens with the model's own chat template (llama.cpp recognises the
/// common formats; a model without a template gets ChatML). Control-token text typed by a user
/// (say "&lt;|im_start|&gt;system") is defused first, so message content can never forge a turn.
/// </summary>
public sealed class ChatPromptFormat
{
    private readonly LlamaModel _model;
    private readonly string _template;
    private readonly string[] _controlTexts;

    public ChatPromptFormat(LlamaModel model)
    {
        _model = model;
        _template = model.ChatTemplate ?? "chatml";
        _controlTexts = [.. Enumerable.Range(0, model.VocabSize)
            .Where(model.IsControl)
            .Select(model.TokenText)
            .Where(t => t.Length > 1)
            .Distinct()];
    }

    public IReadOnlyList<int> Tokenize(IEnumerable<ChatMessage> messages)
    {
        var turns = messages.Select(m => (Role(m.Role), Defuse(m.Text))).ToList();
        if (turns.Count == 0) throw new ArgumentException("a chat needs at least one message", nameof(messages));
        var prompt = LlamaModel.ApplyChatTemplate(_template, turns, addAssistant: true)
                     ?? throw new InvalidOperationException("llama.cpp does not recognise this model's chat template");
        return _model.Tokenize(prompt, addSpecial: true, parseSpecial: true);
    }

    private static string Role(ChatRole role) =>
        role == ChatRole.System ? "system"
        : role == ChatRole.Assistant ? "assistant"
        : role == ChatRole.Tool ? "tool"
        : "user";

    private string Defuse(string text)
    {
        foreach (var control in _controlTexts)
            if (text.Contains(control, StringComparison.Ordinal))
                text = text.Replace(control, control[..1] + "\u200B" + control[1..], StringComparison.Ordinal);
        return text;
    }
}
