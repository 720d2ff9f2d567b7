namespace Appliance.TestModels;

/// <summary>
/// splitmix64: a tiny, fast generator whose sequence is fixed by its seed forever, so a model's
/// bytes (and SHA-256) never change between .NET versions or machines.
/// </summary>
public sealed class SeededRandom(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [-scale, scale).</summary>
    public void FillUniform(Span<float> values, float scale)
    {
        for (var i = 0; i < values.Length; i++)
            values[i] = ((Next() >> 40) * (1.0f / (1 << 24)) * 2f - 1f) * scale;
    }
}
