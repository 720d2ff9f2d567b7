using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Appliance.Rag.Index;

/// <summary>
/// Vectors as 8-bit integers with one scale each, for scanning: a quarter of float32's bytes, and an
/// exact vector scan is bound by memory bandwidth, not arithmetic. Stored vectors use ±127; the query
/// uses ±<see cref="QueryLevels"/>, so its own rounding is negligible beside the stored vectors' and
/// the 32-bit sums cannot overflow for any unit vector of up to 16,384 dimensions.
/// </summary>
internal static class Int8Codes
{
    public const int QueryLevels = 8191;

    /// <summary>Writes the codes of <paramref name="vector"/> and returns the scale that turns a code back into a value.</summary>
    public static float Encode(ReadOnlySpan<float> vector, Span<sbyte> codes)
    {
        // MaxMagnitude is the element of largest magnitude, sign included.
        var scale = MathF.Abs(TensorPrimitives.MaxMagnitude(vector)) / 127f;
        for (var i = 0; i < vector.Length; i++) codes[i] = scale > 0 ? (sbyte)MathF.Round(vector[i] / scale) : (sbyte)0;
        return scale;
    }

    /// <summary>The query's codes (finer than stored ones) and its scale.</summary>
    public static float EncodeQuery(ReadOnlySpan<float> query, Span<short> codes)
    {
        var scale = MathF.Abs(TensorPrimitives.MaxMagnitude(query)) / QueryLevels;
        for (var i = 0; i < query.Length; i++) codes[i] = scale > 0 ? (short)MathF.Round(query[i] / scale) : (short)0;
        return scale;
    }

    /// <summary>The integer dot product of stored codes and query codes (of equal length).</summary>
    public static int Dot(ReadOnlySpan<sbyte> codes, ReadOnlySpan<short> query)
    {
        var i = 0;
        var sum = 0;
        if (Avx2.IsSupported)
        {
            var acc = Vector256<int>.Zero;
            for (; i + 16 <= codes.Length; i += 16)
                acc += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.Create(codes.Slice(i, 16))), Vector256.Create(query.Slice(i, 16)));
            sum = Vector256.Sum(acc);
        }
        else if (Vector128.IsHardwareAccelerated)
            sum = PortableDot(codes, query, out i);
        for (; i < codes.Length; i++) sum += codes[i] * query[i];
        return sum;
    }

    /// <summary>The 128-bit path every SIMD platform has (arm64 included); <paramref name="done"/> = elements covered.</summary>
    internal static int PortableDot(ReadOnlySpan<sbyte> codes, ReadOnlySpan<short> query, out int done)
    {
        var acc = Vector128<int>.Zero;
        var i = 0;
        for (; i + 16 <= codes.Length; i += 16)
        {
            var (low, high) = Vector128.Widen(Vector128.Create(codes.Slice(i, 16)));
            acc += Products(low, Vector128.Create(query.Slice(i, 8))) + Products(high, Vector128.Create(query.Slice(i + 8, 8)));
        }
        done = i;
        return Vector128.Sum(acc);

        static Vector128<int> Products(Vector128<short> a, Vector128<short> b)
        {
            var (aLow, aHigh) = Vector128.Widen(a);
            var (bLow, bHigh) = Vector128.Widen(b);
            return aLow * bLow + aHigh * bHigh;
        }
    }
}
