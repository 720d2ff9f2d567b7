using System.Text;

namespace Appliance.TestModels.Conversion;

/// <summary>One ONNX operator: its type and the names of the values it reads and writes.</summary>
public sealed record OnnxNode(string OpType, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs);

/// <summary>A stored tensor (an initializer): its name, ONNX element type, dims (outermost first) and raw bytes.</summary>
public sealed record OnnxTensor(string Name, int DataType, IReadOnlyList<long> Dims, ReadOnlyMemory<byte> RawData)
{
    public const int Float = 1;

    public long ElementCount => Dims.Aggregate(1L, (a, b) => a * b);

    public float[] Floats()
    {
        if (DataType != Float) throw new InvalidDataException($"ONNX tensor {Name} has data type {DataType}, not float");
        if (RawData.Length != ElementCount * 4) throw new InvalidDataException($"ONNX tensor {Name} holds {RawData.Length} bytes for {ElementCount} floats");
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(RawData.Span).ToArray();
    }
}

/// <summary>
/// The part of an ONNX model a converter needs: the graph's nodes and initializers. A hand-written
/// protobuf reader of exactly the fields listed in EMBEDDINGS.md, so no protobuf or ONNX runtime
/// package comes along; every other field is skipped by its wire type.
/// </summary>
public sealed record OnnxGraph(IReadOnlyList<OnnxNode> Nodes, IReadOnlyList<OnnxTensor> Initializers)
{
    // ModelProto.graph; GraphProto.node, .initializer; NodeProto.input, .output, .op_type;
    // TensorProto.dims, .data_type, .name, .raw_data.
    private const int ModelGraph = 7, GraphNode = 1, GraphInitializer = 5;
    private const int NodeInput = 1, NodeOutput = 2, NodeOpType = 4;
    private const int TensorDims = 1, TensorDataType = 2, TensorName = 8, TensorRawData = 9;

    public static OnnxGraph Parse(ReadOnlyMemory<byte> model)
    {
        foreach (var field in Protobuf.Fields(model))
            if (field.Number == ModelGraph)
                return ParseGraph(field.Bytes);
        throw new InvalidDataException("the ONNX model has no graph");
    }

    private static OnnxGraph ParseGraph(ReadOnlyMemory<byte> graph)
    {
        var nodes = new List<OnnxNode>();
        var initializers = new List<OnnxTensor>();
        foreach (var field in Protobuf.Fields(graph))
        {
            if (field.Number == GraphNode) nodes.Add(ParseNode(field.Bytes));
            else if (field.Number == GraphInitializer) initializers.Add(ParseTensor(field.Bytes));
        }
        return new OnnxGraph(nodes, initializers);
    }

    private static OnnxNode ParseNode(ReadOnlyMemory<byte> node)
    {
        var inputs = new List<string>();
        var outputs = new List<string>();
        var opType = "";
        foreach (var field in Protobuf.Fields(node))
        {
            if (field.Number == NodeInput) inputs.Add(field.Text);
            else if (field.Number == NodeOutput) outputs.Add(field.Text);
            else if (field.Number == NodeOpType) opType = field.Text;
        }
        return new OnnxNode(opType, inputs, outputs);
    }

    private static OnnxTensor ParseTensor(ReadOnlyMemory<byte> tensor)
    {
        var dims = new List<long>();
        var dataType = 0;
        var name = "";
        var raw = ReadOnlyMemory<byte>.Empty;
        foreach (var field in Protobuf.Fields(tensor))
        {
            switch (field.Number)
            {
                // dims may be written packed (one length-delimited run) or one varint each.
                case TensorDims when field.WireType == Protobuf.LengthDelimited: dims.AddRange(Protobuf.PackedVarints(field.Bytes)); break;
                case TensorDims: dims.Add((long)field.Varint); break;
                case TensorDataType: dataType = (int)field.Varint; break;
                case TensorName: name = field.Text; break;
                case TensorRawData: raw = field.Bytes; break;
            }
        }
        return new OnnxTensor(name, dataType, dims, raw);
    }
}

/// <summary>Protobuf wire format, read-only: fields as (number, wire type, varint or bytes).</summary>
internal static class Protobuf
{
    public const int Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5;

    public readonly record struct Field(int Number, int WireType, ulong Varint, ReadOnlyMemory<byte> Bytes)
    {
        public string Text => Encoding.UTF8.GetString(Bytes.Span);
    }

    public static IEnumerable<Field> Fields(ReadOnlyMemory<byte> message)
    {
        var position = 0;
        while (position < message.Length)
        {
            var key = ReadVarint(message.Span, ref position);
            var number = (int)(key >> 3);
            var wireType = (int)(key & 7);
            switch (wireType)
            {
                case Varint:
                    yield return new Field(number, wireType, ReadVarint(message.Span, ref position), default);
                    break;
                case LengthDelimited:
                    var length = checked((int)ReadVarint(message.Span, ref position));
                    if (length < 0 || position + length > message.Length) throw new InvalidDataException("protobuf field runs past its message");
                    yield return new Field(number, wireType, 0, message.Slice(position, length));
                    position += length;
                    break;
                case Fixed64: position += 8; break;
                case Fixed32: position += 4; break;
                default: throw new InvalidDataException($"protobuf wire type {wireType} (field {number}) is not supported");
            }
        }
    }

    public static IEnumerable<long> PackedVarints(ReadOnlyMemory<byte> bytes)
    {
        var values = new List<long>();
        var position = 0;
        while (position < bytes.Length) values.Add((long)ReadVarint(bytes.Span, ref position));
        return values;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> bytes, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= bytes.Length) throw new InvalidDataException("protobuf varint runs past its message");
            var b = bytes[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new InvalidDataException("protobuf varint longer than 10 bytes");
    }
}
