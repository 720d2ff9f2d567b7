using System.Text;

namespace Appliance.Inference;

/// <summary>
/// The few metadata values the appliance reads from a GGUF file before handing it to llama.cpp,
/// so a wrong or damaged file gets a precise message instead of a native failure.
/// </summary>
public sealed record GgufHeader(uint Version, string Architecture, string? Name, bool IsTestModel, int? ContextLength, int? PoolingType)
{
    /// <summary>Reads the header; throws <see cref="InvalidDataException"/> naming what is wrong.</summary>
    public static GgufHeader Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var r = new BinaryReader(stream, Encoding.UTF8);
        if (stream.Length < 24 || r.ReadUInt32() != 0x46554747) throw new InvalidDataException("not a GGUF file (the first bytes are not 'GGUF')");
        var version = r.ReadUInt32();
        if (version is < 2 or > 3) throw new InvalidDataException($"unsupported GGUF version {version}");
        r.ReadUInt64(); // tensor count
        var kvCount = r.ReadUInt64();
        if (kvCount > 100_000) throw new InvalidDataException($"implausible metadata count {kvCount}: the file is damaged");
        var values = new Dictionary<string, object?>();
        for (ulong i = 0; i < kvCount; i++)
        {
            var key = ReadString(r, stream);
            var type = r.ReadUInt32();
            values[key] = ReadValue(r, stream, type);
        }
        var arch = values.GetValueOrDefault("general.architecture") as string
                   ?? throw new InvalidDataException("no general.architecture in the metadata");
        return new GgufHeader(
            version, arch,
            values.GetValueOrDefault("general.name") as string,
            values.GetValueOrDefault("appliance.test_model") is true,
            AsInt(values.GetValueOrDefault($"{arch}.context_length")),
            AsInt(values.GetValueOrDefault($"{arch}.pooling_type")));
    }

    private static int? AsInt(object? value) => value switch
    {
        uint u => (int)u,
        int i => i,
        ulong ul => (int)ul,
        long l => (int)l,
        _ => null,
    };

    private static string ReadString(BinaryReader r, Stream stream)
    {
        var length = r.ReadUInt64();
        if (length > (ulong)(stream.Length - stream.Position)) throw new InvalidDataException("a metadata string runs past the end of the file: the file is truncated or damaged");
        return Encoding.UTF8.GetString(r.ReadBytes((int)length));
    }

    private static object? ReadValue(BinaryReader r, Stream stream, uint type)
    {
        switch (type)
        {
            case 0: return r.ReadByte();
            case 1: return r.ReadSByte();
            case 2: return r.ReadUInt16();
            case 3: return r.ReadInt16();
            case 4: return r.ReadUInt32();
            case 5: return r.ReadInt32();
            case 6: return r.ReadSingle();
            case 7: return r.ReadByte() != 0;
            case 8: return ReadString(r, stream);
            case 9:
                var elementType = r.ReadUInt32();
                var count = r.ReadUInt64();
                if (count > (ulong)stream.Length) throw new InvalidDataException("a metadata array is longer than the file: the file is damaged");
                for (ulong i = 0; i < count; i++) ReadValue(r, stream, elementType);
                return null;
            case 10: return r.ReadUInt64();
            case 11: return r.ReadInt64();
            case 12: return r.ReadDouble();
            default: throw new InvalidDataException($"unknown metadata type {type}: the file is damaged");
        }
    }
}
