using Appliance.Rag.Answers;

namespace Appliance.Rag.Tests;

/// <summary>Numbered sources go in; the model's [n] markers come back as citations; no model, still an answer.</summary>
[Collection(SampleOfficeCollection.Name)]
public sealed class AnswerComposerTests(SampleOfficeFixture office)
{
    private async Task<IReadOnlyList<SearchHit>> HitsAsync(string question)
    {
        using var box = new TestBox(office.Handbook, office.Hr);
        using var library = await box.OpenAsync();
        await library.IngestAsync("handbook", null, CancellationToken.None);
        return await library.SearchAsync(new SearchRequest(question, ["everyone"], 3), CancellationToken.None);
    }

    [Fact]
    public async Task The_prompt_numbers_each_source_with_title_page_and_path_and_markers_map_back_to_citations()
    {
        var hits = await HitsAsync("how long must passwords be and what about phishing");
        var prompt = AnswerComposer.BuildPrompt("How long must passwords be?", hits);
        Assert.Equal([1, 2, 3], prompt.Sources.Select(s => s.Number));
        Assert.Contains("[1] IT security guideline, page 4 (it-security.pdf)", prompt.User);
        Assert.Contains("Question: How long must passwords be?", prompt.User);
        Assert.Contains("square brackets", prompt.System);

        var answer = AnswerComposer.ResolveCitations("At least 14 characters [1]. Report phishing [2, 3][9].", prompt.Sources);
        Assert.Equal("At least 14 characters [1]. Report phishing [2][3].", answer.Text);
        Assert.Equal([1, 2, 3], answer.Citations.Select(c => c.Number));
        Assert.Equal(hits[0].Citation, answer.Citations[0].Citation);
        Assert.Equal(4, answer.Citations[0].Citation.Page);
        Assert.False(answer.Extractive);
    }

    [Fact]
    public async Task Without_a_model_the_answer_is_the_best_matching_sentences_with_their_sources()
    {
        var hits = await HitsAsync("how long must passwords be");
        var answer = AnswerComposer.Extractive("How long must passwords be?", hits);
        Assert.True(answer.Extractive);
        Assert.Contains("Passwords must be at least 14 characters long", answer.Text);
        Assert.Contains("[1]", answer.Text);
        Assert.Equal("it-security.pdf", answer.Citations[0].Citation.Path);
        Assert.Equal(4, answer.Citations[0].Citation.Page);

        var nothing = AnswerComposer.Extractive("anything", []);
        Assert.Empty(nothing.Citations);
        Assert.Contains("No document", nothing.Text);
    }
}
