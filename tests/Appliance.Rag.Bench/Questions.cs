namespace Appliance.Rag.Bench;

/// <summary>A benchmark question and the pages (paths relative to the corpus root) that answer it.</summary>
public sealed record Question(string Text, IReadOnlySet<string> Relevant)
{
    public static IReadOnlyList<Question> Load(string path) =>
        [.. File.ReadAllLines(path)
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split('\t'))
            .Select(parts => new Question(parts[0], parts[1].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet()))];
}

/// <summary>Document-level recall@5 and MRR@10 of ranked document lists against the judged pages.</summary>
public static class Metrics
{
    public static double RecallAt(int k, IReadOnlyList<string> ranked, IReadOnlySet<string> relevant) =>
        (double)ranked.Take(k).Count(relevant.Contains) / relevant.Count;

    public static double ReciprocalRankAt(int k, IReadOnlyList<string> ranked, IReadOnlySet<string> relevant)
    {
        for (var i = 0; i < Math.Min(k, ranked.Count); i++)
            if (relevant.Contains(ranked[i])) return 1.0 / (i + 1);
        return 0;
    }

    public static (double Recall5, double Mrr10) Score(IReadOnlyList<Question> questions, IReadOnlyList<IReadOnlyList<string>> rankings) =>
        (questions.Select((q, i) => RecallAt(5, rankings[i], q.Relevant)).Average(),
         questions.Select((q, i) => ReciprocalRankAt(10, rankings[i], q.Relevant)).Average());

    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        var index = (int)Math.Ceiling(p / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Length - 1)];
    }

    public static double Median(IEnumerable<double> values) => Percentile([.. values], 50);
}
