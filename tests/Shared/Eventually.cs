namespace Appliance.Testing;

/// <summary>
/// The one way tests wait for something that happens on its own time: poll a condition until a
/// deadline, then fail saying what never happened — a broken build fails in seconds, never hangs.
/// Linked into every test project by tests/Directory.Build.props.
/// </summary>
internal static class Waiting
{
    /// <summary>Returns as soon as <paramref name="condition"/> holds; fails the test at <paramref name="deadline"/>.</summary>
    public static Task Eventually(Func<bool> condition, TimeSpan deadline, string what) =>
        Eventually(() => Task.FromResult(condition()), deadline, what);

    /// <inheritdoc cref="Eventually(Func{bool}, TimeSpan, string)"/>
    public static async Task Eventually(Func<Task<bool>> condition, TimeSpan deadline, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var pause = TimeSpan.FromMilliseconds(10);
        while (!await condition())
        {
            if (clock.Elapsed >= deadline) throw new TimeoutException($"{what}: not within {deadline.TotalSeconds:0.#} s");
            // Short pauses first (most waits end within milliseconds), then at most 200 ms apart.
            await Task.Delay(pause);
            pause = TimeSpan.FromMilliseconds(Math.Min(200, pause.TotalMilliseconds * 2));
        }
    }
}
