using System.Text;

namespace Appliance.Config.Tests;

/// <summary>
/// Structure-aware fuzzing of appliance.yaml: mutate the example the way people and tools break
/// files (lines lost, duplicated, re-indented, values replaced with hostile text, truncation).
/// Every result must load to a valid config or to errors with a position; nothing may throw.
/// </summary>
public sealed class ConfigFuzzTests
{
    private static readonly string Example = File.ReadAllText(Path.Combine(Repository.Root, "appliance.yaml"));

    private static readonly string[] HostileValues =
    [
        "", "~", "null", "-1", "0", "99999999999999999999", "1e309", ".nan", "NaN", "true", "yes", "[", "]", "{", "}", "[]", "{}",
        "\"unterminated", "'unterminated", "*alias", "&anchor value", "!!binary aGk=", "!!python/object:os.system", "0x1F", "0o17",
        "192.168.10.0/33", "::1/129", "256.1.1.1", "ftp://x", "https://", "\u0000", "\u202Egnp.exe", "\t", "emoji 🙂", "a: b: c",
        "- - -", "| \n  block", "> \n  folded", "%TAG ! x", "? complex", "@reserved", "`reserved", new string('x', 100_000),
        new string('[', 200), "[a, [b, [c, [d]]]]", "{a: {b: {c: 1}}}", "\"\\u0000\"", "\"\\xff\"",
    ];

    [Fact]
    public void Every_mutation_loads_or_reports_positioned_errors()
    {
        var iterations = int.TryParse(Environment.GetEnvironmentVariable("APPLIANCE_FUZZ_ITERATIONS"), out var n) ? n : 2000;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("APPLIANCE_FUZZ_SEED"), out var s) ? s : 20261121;
        var random = new Random(seed);
        var valid = 0;
        for (var i = 0; i < iterations; i++)
        {
            var text = Mutate(Example, random, 1 + random.Next(4));
            ConfigLoadResult result;
            try
            {
                result = ConfigLoader.LoadText(text, "appliance.yaml", Path.GetTempPath());
            }
            catch (Exception e)
            {
                var file = Path.Combine(Path.GetTempPath(), $"fuzz-crash-{seed}-{i}.yaml");
                File.WriteAllText(file, text);
                throw new Xunit.Sdk.XunitException($"iteration {i} (seed {seed}) threw {e.GetType().Name}: {e.Message}; input saved to {file}");
            }

            if (result.IsValid) { valid++; continue; }
            var lines = text.Count(c => c == '\n') + 2;
            Assert.NotEmpty(result.Errors);
            foreach (var error in result.Errors)
            {
                Assert.Equal("appliance.yaml", error.File);
                Assert.InRange(error.Line, 1, lines);
                Assert.True(error.Column >= 1, $"iteration {i}: column {error.Column}");
                Assert.False(string.IsNullOrWhiteSpace(error.Message));
                Assert.StartsWith($"appliance.yaml:{error.Line}:{error.Column}: ", error.ToString());
                Assert.DoesNotContain("   at ", error.Message);
            }
        }
        // Some mutations (a reordered key, a duplicated comment) leave a valid file: the fuzzer must reach both outcomes.
        Assert.InRange(valid, 1, iterations - 1);
    }

    private static string Mutate(string text, Random random, int times)
    {
        var lines = text.Split('\n').ToList();
        for (var t = 0; t < times && lines.Count > 0; t++)
        {
            var at = random.Next(lines.Count);
            switch (random.Next(10))
            {
                case 0: lines.RemoveAt(at); break;
                case 1: lines.Insert(at, lines[at]); break;
                case 2: var other = random.Next(lines.Count); (lines[at], lines[other]) = (lines[other], lines[at]); break;
                case 3: lines[at] = ReplaceValue(lines[at], HostileValues[random.Next(HostileValues.Length)]); break;
                case 4: lines[at] = random.Next(2) == 0 ? " " + lines[at] : lines[at].TrimStart().PadLeft(lines[at].Length - 1 < 0 ? 0 : Math.Max(0, lines[at].Length - 2)); break;
                case 5: lines[at] = Rename(lines[at], random); break;
                case 6: lines[at] = ReplaceValue(lines[at], random.Next(2) == 0 ? $"[{Value(lines[at])}]" : $"{{x: {Value(lines[at])}}}"); break;
                case 7:
                    var joined = string.Join('\n', lines);
                    var cut = random.Next(joined.Length + 1);
                    lines = joined[..cut].Split('\n').ToList();
                    break;
                case 8:
                    var bytes = Enumerable.Range(0, 1 + random.Next(6)).Select(_ => (char)random.Next(0, 0x3000)).ToArray();
                    var position = random.Next(lines[at].Length + 1);
                    lines[at] = lines[at].Insert(position, new string(bytes));
                    break;
                default: lines[at] = ReplaceValue(lines[at], Value(lines[random.Next(lines.Count)])); break;
            }
        }
        return string.Join('\n', lines);
    }

    private static string Value(string line) => line.IndexOf(": ", StringComparison.Ordinal) is var i and >= 0 ? line[(i + 2)..] : line.Trim();

    private static string ReplaceValue(string line, string value) =>
        line.IndexOf(": ", StringComparison.Ordinal) is var i and >= 0 ? line[..(i + 2)] + value : line + " " + value;

    private static string Rename(string line, Random random)
    {
        var colon = line.IndexOf(':');
        if (colon <= 0) return line;
        var key = new StringBuilder(line[..colon]);
        var pos = random.Next(key.Length);
        key[pos] = (char)('a' + random.Next(26));
        return key + line[colon..];
    }
}
