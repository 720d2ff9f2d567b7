using System.Text.RegularExpressions;

namespace Appliance.Rag.Tests;

/// <summary>
/// Retrieval by meaning, with the trained all-MiniLM-L6-v2: a question finds the passage that
/// answers it even when the two share no keyword, which BM25 alone cannot do.
/// </summary>
[Collection(SampleOfficeCollection.Name)]
public sealed partial class MeaningTests(SampleOfficeFixture office, TrainedEmbeddingFixture model)
{
    private static readonly string[] Everyone = ["everyone"];

    private static readonly (string Question, string Section, string Answer)[] Questions =
    [
        ("How much vacation am I entitled to?", "Leave policy › Annual leave", "30 working days of paid annual leave"),
        ("I caught the flu, what now?", "Leave policy › Sick leave", "call or e-mail your team lead before 9:00"),
    ];

    [Fact]
    public async Task A_question_sharing_no_keyword_with_the_answer_finds_it_through_hybrid_search()
    {
        using var box = new TestBox(office.Handbook, office.Hr);
        using var library = await box.OpenAsync(model.Generator);
        var report = await library.IngestAsync("handbook", null, CancellationToken.None);
        Assert.Equal(report.Chunks, report.Embedded);

        foreach (var (question, section, answer) in Questions)
        {
            // The premise: BM25 has nothing to match on anywhere, and no word of the question
            // longer than a function word occurs in the passage that answers it.
            Assert.Empty(await library.SearchAsync(new SearchRequest(question, Everyone, 3) { Ranking = Ranking.Lexical }, CancellationToken.None));

            var top = (await library.SearchAsync(new SearchRequest(question, Everyone, 3), CancellationToken.None))[0];
            Assert.Equal(("leave-policy.md", section), (top.Path, top.Section));
            Assert.Contains(answer, top.Text);
            var passage = Words(top.Text).ToHashSet();
            Assert.DoesNotContain(Words(question).Where(w => w.Length > 3), passage.Contains);
        }
    }

    private static IEnumerable<string> Words(string text) => WordPattern().Matches(text.ToLowerInvariant()).Select(m => m.Value);

    [GeneratedRegex(@"\p{L}+")]
    private static partial Regex WordPattern();
}
