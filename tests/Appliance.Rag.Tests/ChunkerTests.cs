using Appliance.Rag.Chunking;
using Appliance.Rag.Extraction;
using FsCheck;
using FsCheck.Fluent;

namespace Appliance.Rag.Tests;

public sealed class ChunkerTests
{
    private static readonly EstimatedTokenCounter Tokens = new();

    private static Gen<ExtractedDocument> Documents()
    {
        var word = Gen.Elements("leave", "policy", "expenses", "the", "a", "hotel", "receipt", "Band", "EUR", "120", "password", "VPN");
        var sentence = Gen.NonEmptyListOf(word).Select(words => string.Join(' ', words.Take(30)) + ".");
        var paragraph = Gen.NonEmptyListOf(sentence).Select(s => string.Join(' ', s.Take(12)));
        var block = from text in paragraph
                    from page in Gen.Choose(1, 4)
                    from section in Gen.Elements<IReadOnlyList<string>>(["Doc"], ["Doc", "A"], ["Doc", "A", "x"], ["Doc", "B"], [])
                    select (text, page, section);
        return Gen.NonEmptyListOf(block).Select(blocks =>
        {
            // Pages only move forward, as in a real document.
            var ordered = blocks.OrderBy(b => b.page).Select(b => new TextBlock(b.text, b.page, b.section)).ToList();
            return new ExtractedDocument("Doc", "test", ordered);
        });
    }

    [Fact]
    public void Chunks_fit_the_budget_never_span_pages_and_cover_every_sentence()
    {
        var property = Prop.ForAll(Arb.From(Documents()), document =>
        {
            var chunker = new Chunker(Tokens, 60, 10);
            var chunks = chunker.Split(document);
            var text = Chunker.DocumentText(document, out var starts);
            foreach (var chunk in chunks)
            {
                if (chunk.Tokens > 60) return false;
                if (text[chunk.StartChar..chunk.EndChar] != chunk.Text) return false;
                var blocksInside = document.Blocks.Where((b, i) => starts[i] < chunk.EndChar && starts[i] + b.Text.Length > chunk.StartChar);
                if (blocksInside.Select(b => b.Page).Distinct().Count() != 1) return false;
                if (blocksInside.First().Page != chunk.Page) return false;
            }
            // Every word of the document is in some chunk.
            var covered = new bool[text.Length];
            foreach (var chunk in chunks) for (var i = chunk.StartChar; i < chunk.EndChar; i++) covered[i] = true;
            return text.Select((c, i) => char.IsWhiteSpace(c) || covered[i]).All(x => x);
        });
        Check.One(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(200), property);
    }

    [Fact]
    public void Long_sections_are_cut_with_overlap_and_short_sections_stay_apart()
    {
        var sentences = Enumerable.Range(1, 40).Select(i => $"Sentence number {i} talks about annual leave rules.");
        var document = new ExtractedDocument("Policy", "test",
        [
            new TextBlock(string.Join(' ', sentences), null, ["Policy", "Annual leave"]),
            new TextBlock("Expenses are paid monthly. Receipts are required for taxis.", null, ["Policy", "Expenses"]),
        ]);
        var chunks = new Chunker(Tokens, 80, 20).Split(document);
        var leave = chunks.Where(c => c.SectionPath == "Policy › Annual leave").ToList();
        Assert.True(leave.Count >= 3);
        for (var i = 1; i < leave.Count; i++) Assert.True(leave[i].StartChar < leave[i - 1].EndChar, "consecutive chunks overlap");
        var expenses = Assert.Single(chunks, c => c.Text.Contains("Receipts"));
        Assert.Equal("Policy › Expenses", expenses.SectionPath);
        Assert.DoesNotContain("annual leave", expenses.Text);
    }

    [Fact]
    public void A_sentence_longer_than_a_chunk_is_cut_between_words()
    {
        var monster = string.Join(' ', Enumerable.Range(0, 2000).Select(i => $"word{i}"));
        var chunks = new Chunker(Tokens, 100, 10).Split(new ExtractedDocument("x", "test", [new TextBlock(monster, 1, [])]));
        Assert.True(chunks.Count > 10);
        Assert.All(chunks, c => Assert.True(c.Tokens <= 100, $"{c.Tokens} tokens"));
        Assert.All(chunks, c => Assert.Matches(@"^word\d+( word\d+)*$", c.Text));
    }
}
