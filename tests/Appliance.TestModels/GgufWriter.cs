using System.Text;

namespace Appliance.TestModels;

/// <summary>GGUF value types, as numbered by the format.</summary>
public enum GgufType : uint
{
    UInt8 = 0, Int8 = 1, UInt16 = 2, Int16 = 3, UInt32 = 4, Int32 = 5, Float32 = 6, Bool = 7,
    String = 8, Array = 9, UInt64 = 10, Int64 = 11, Float64 = 12,
}

/// <summary>Tensor element types this writer produces (ggml type ids).</summary>
public enum GgmlType : uint { F32 = 0, F16 = 1 }

/// <summary>One metadata entry: a key and a typed value.</summary>
public sealed record GgufMetadata(string Key, GgufType Type, object Value, GgufType ElementType = GgufType.UInt8)
{
    public static GgufMetadata Of(string key, string value) => new(key, GgufType.String, value);
    public static GgufMetadata Of(string key, uint value) => new(key, GgufType.UInt32, value);
    public static GgufMetadata Of(string key, float value) => new(key, GgufType.Float32, value);
    public static GgufMetadata Of(string key, bool value) => new(key, GgufType.Bool, value);
    public static GgufMetadata Strings(string key, IReadOnlyList<string> values) => new(key, GgufType.Array, values, GgufType.String);
    public static GgufMetadata Floats(string key, IReadOnlyList<float> values) => new(key, GgufType.Array, values, GgufType.Float32);
    public static GgufMetadata Ints(string key, IReadOnlyList<int> values) => new(key, GgufType.Array, values, GgufType.Int32);
}

/// <summary>
/// One tensor: name, shape (innermost dimension first, as GGUF stores it), element type, and a
/// function that fills its values in storage order. Values are produced while writing so a
/// 200 MB model never sits in memory.
/// </summary>
public sealed record GgufTensor(string Name, IReadOnlyList<long> Shape, GgmlType Type, Action<Span<float>> Fill)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
    public long ByteCount => ElementCount * (Type == GgmlType.F32 ? 4 : 2);
}

/// <summary>Writes a GGUF v3 file: header, metadata, tensor infos, then 32-byte-aligned tensor data.</summary>
public static class GgufWriter
{
    public const uint Alignment = 32;

    public static void Write(Stream output, IReadOnlyList<GgufMetadata> metadata, IReadOnlyList<GgufTensor> tensors)
    {
        using var w = new BinaryWriter(output, Encoding.UTF8, leaveOpen: true);
        w.Write("GGUF"u8);
        w.Write(3u);
        w.Write((ulong)tensors.Count);
        w.Write((ulong)metadata.Count);
        foreach (var entry in metadata)
        {
            WriteString(w, entry.Key);
            w.Write((uint)entry.Type);
            WriteValue(w, entry.Type, entry.ElementType, entry.Value);
        }

        ulong offset = 0;
        foreach (var tensor in tensors)
        {
            WriteString(w, tensor.Name);
            w.Write((uint)tensor.Shape.Count);
            foreach (var dim in tensor.Shape) w.Write((ulong)dim);
            w.Write((uint)tensor.Type);
            w.Write(offset);
            offset += Padded((ulong)tensor.ByteCount);
        }
        w.Flush();
        Pad(output);

        var values = new float[1 << 16];
        var bytes = new byte[values.Length * 4];
        foreach (var tensor in tensors)
        {
            for (long done = 0; done < tensor.ElementCount;)
            {
                var n = (int)Math.Min(values.Length, tensor.ElementCount - done);
                var span = values.AsSpan(0, n);
                tensor.Fill(span);
                var size = Encode(span, tensor.Type, bytes);
                output.Write(bytes, 0, size);
                done += n;
            }
            Pad(output);
        }
    }

    private static int Encode(ReadOnlySpan<float> values, GgmlType type, byte[] into)
    {
        if (type == GgmlType.F32)
        {
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).CopyTo(into);
            return values.Length * 4;
        }
        for (var i = 0; i < values.Length; i++)
        {
            var bits = BitConverter.HalfToUInt16Bits((Half)values[i]);
            into[2 * i] = (byte)bits;
            into[2 * i + 1] = (byte)(bits >> 8);
        }
        return values.Length * 2;
    }

    private static ulong Padded(ulong size) => (size + Alignment - 1) / Alignment * Alignment;

    private static void Pad(Stream output)
    {
        var remainder = (int)(output.Position % Alignment);
        if (remainder != 0) output.Write(new byte[Alignment - remainder]);
    }

    private static void WriteString(BinaryWriter w, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static void WriteValue(BinaryWriter w, GgufType type, GgufType elementType, object value)
    {
        switch (type)
        {
            case GgufType.String: WriteString(w, (string)value); break;
            case GgufType.UInt32: w.Write((uint)value); break;
            case GgufType.Int32: w.Write((int)value); break;
            case GgufType.Float32: w.Write((float)value); break;
            case GgufType.Bool: w.Write((bool)value ? (byte)1 : (byte)0); break;
            case GgufType.Array:
                w.Write((uint)elementType);
                switch (value)
                {
                    case IReadOnlyList<string> strings:
                        w.Write((ulong)strings.Count);
                        foreach (var s in strings) WriteString(w, s);
                        break;
                    case IReadOnlyList<float> floats:
                        w.Write((ulong)floats.Count);
                        foreach (var f in floats) w.Write(f);
                        break;
                    case IReadOnlyList<int> ints:
                        w.Write((ulong)ints.Count);
                        foreach (var i in ints) w.Write(i);
                        break;
                    default: throw new ArgumentException($"unsupported array {value.GetType()}");
                }
                break;
            default: throw new ArgumentException($"unsupported metadata type {type}");
        }
    }
}
