using System.Runtime.InteropServices;
using System.Text;
using Appliance.Llama.Native;

namespace Appliance.Llama;

/// <summary>A loaded model (llama_model*), with its vocabulary.</summary>
public sealed class LlamaModel : SafeHandle
{
    private LlamaModel() : base(0, ownsHandle: true) { }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        LlamaApi.llama_model_free(handle);
        return true;
    }

    /// <summary>llama_model_load_from_file with llama_model_default_params(); null when llama.cpp refuses the file.</summary>
    public static LlamaModel? LoadFromFile(string path) => LoadFromFile(path, LlamaApi.llama_model_default_params());

    /// <summary>llama_model_load_from_file; null when llama.cpp refuses the file (see the runtime's RecentErrors).</summary>
    public static unsafe LlamaModel? LoadFromFile(string path, LlamaModelParams parameters)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        nint model;
        fixed (byte* p = bytes) model = LlamaApi.llama_model_load_from_file(p, parameters);
        if (model == 0) return null;
        var result = new LlamaModel();
        result.SetHandle(model);
        return result;
    }

    public nint Vocab => LlamaApi.llama_model_get_vocab(handle);
    public int VocabSize => LlamaApi.llama_vocab_n_tokens(Vocab);
    public int TrainedContextLength => LlamaApi.llama_model_n_ctx_train(handle);
    public int EmbeddingLength => LlamaApi.llama_model_n_embd(handle);
    public int LayerCount => LlamaApi.llama_model_n_layer(handle);
    public int HeadCount => LlamaApi.llama_model_n_head(handle);
    public int HeadCountKv => LlamaApi.llama_model_n_head_kv(handle);

    /// <summary>Bytes of an F16 K+V cache for this many tokens (what a context of that size allocates).</summary>
    public long KvCacheBytes(long tokens) =>
        HeadCount == 0 ? 0 : 2L * 2 * LayerCount * tokens * (EmbeddingLength / HeadCount * (long)HeadCountKv);

    public long SizeBytes => (long)LlamaApi.llama_model_size(handle);
    public long ParameterCount => (long)LlamaApi.llama_model_n_params(handle);
    public int Bos => LlamaApi.llama_vocab_bos(Vocab);
    public int Eos => LlamaApi.llama_vocab_eos(Vocab);
    public bool IsEndOfGeneration(int token) => LlamaApi.llama_vocab_is_eog(Vocab, token) != 0;

    public bool IsControl(int token) => LlamaApi.llama_vocab_is_control(Vocab, token) != 0;

    public unsafe string TokenText(int token) => Marshal.PtrToStringUTF8((nint)LlamaApi.llama_vocab_get_text(Vocab, token)) ?? "";

    public unsafe string Description
    {
        get
        {
            var buffer = stackalloc byte[256];
            var n = LlamaApi.llama_model_desc(handle, buffer, 256);
            return n > 0 ? Encoding.UTF8.GetString(buffer, Math.Min(n, 255)) : "";
        }
    }

    /// <summary>llama_model_meta_val_str: a metadata value as text, or null when absent.</summary>
    public unsafe string? Metadata(string key)
    {
        var k = Encoding.UTF8.GetBytes(key + "\0");
        var buffer = new byte[4096];
        fixed (byte* pk = k)
        fixed (byte* pb = buffer)
        {
            var n = LlamaApi.llama_model_meta_val_str(handle, pk, pb, (nuint)buffer.Length);
            return n < 0 ? null : Encoding.UTF8.GetString(buffer, 0, Math.Min(n, buffer.Length - 1));
        }
    }

    /// <summary>The model's default chat template (tokenizer.chat_template), or null.</summary>
    public unsafe string? ChatTemplate => Marshal.PtrToStringUTF8((nint)LlamaApi.llama_model_chat_template(handle, null));

    /// <summary>llama_tokenize; addSpecial adds BOS as the model wants, parseSpecial turns "&lt;|im_start|&gt;" text into its control token.</summary>
    public unsafe int[] Tokenize(string text, bool addSpecial, bool parseSpecial)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var tokens = new int[bytes.Length + 8];
        fixed (byte* pb = bytes)
        fixed (int* pt = tokens)
        {
            var n = LlamaApi.llama_tokenize(Vocab, pb, bytes.Length, pt, tokens.Length, addSpecial ? (byte)1 : (byte)0, parseSpecial ? (byte)1 : (byte)0);
            if (n < 0)
            {
                tokens = new int[-n];
                fixed (int* pt2 = tokens)
                    n = LlamaApi.llama_tokenize(Vocab, pb, bytes.Length, pt2, tokens.Length, addSpecial ? (byte)1 : (byte)0, parseSpecial ? (byte)1 : (byte)0);
            }
            return tokens[..n];
        }
    }

    /// <summary>llama_token_to_piece: the token's UTF-8 bytes (a piece may be part of a character).</summary>
    public unsafe int TokenToPiece(int token, Span<byte> into, bool special = false)
    {
        fixed (byte* p = into)
            return LlamaApi.llama_token_to_piece(Vocab, token, p, into.Length, 0, special ? (byte)1 : (byte)0);
    }

    /// <summary>llama_chat_apply_template with the given template (llama.cpp recognises the built-in formats).</summary>
    public static unsafe string? ApplyChatTemplate(string template, IReadOnlyList<(string Role, string Content)> messages, bool addAssistant)
    {
        var handles = new List<GCHandle>();
        try
        {
            byte* Pin(string s)
            {
                var h = GCHandle.Alloc(Encoding.UTF8.GetBytes(s + "\0"), GCHandleType.Pinned);
                handles.Add(h);
                return (byte*)h.AddrOfPinnedObject();
            }
            var chat = new LlamaChatMessage[messages.Count];
            for (var i = 0; i < messages.Count; i++) chat[i] = new LlamaChatMessage { role = Pin(messages[i].Role), content = Pin(messages[i].Content) };
            var tmpl = Pin(template);
            var capacity = messages.Sum(m => Encoding.UTF8.GetByteCount(m.Content) + 64) * 2 + 256;
            for (var attempt = 0; attempt < 2; attempt++)
            {
                var buffer = new byte[capacity];
                fixed (LlamaChatMessage* pc = chat)
                fixed (byte* pb = buffer)
                {
                    var n = LlamaApi.llama_chat_apply_template(tmpl, pc, (nuint)chat.Length, addAssistant ? (byte)1 : (byte)0, pb, buffer.Length);
                    if (n < 0) return null;
                    if (n <= buffer.Length) return Encoding.UTF8.GetString(buffer, 0, n);
                    capacity = n;
                }
            }
            return null;
        }
        finally
        {
            foreach (var h in handles) h.Free();
        }
    }
}
