using FsCheck;
using FsCheck.Fluent;

namespace Appliance.Rag.Tests;

/// <summary>A user outside a group never sees that group's chunks, and they cannot even move the ranking.</summary>
[Collection(SampleOfficeCollection.Name)]
public sealed class GroupFilterTests(SampleOfficeFixture office, EmbeddingModelFixture model)
{
    private static readonly string[] Vocabulary =
    [
        "salary", "band", "associates", "bonus", "quokka", "retention", "review", "performance", "confidential", "October",
        "leave", "sick", "hotel", "password", "phishing", "mileage", "badge", "data", "breach", "EUR", "per", "year", "the",
        "what", "is", "my", "team", "lead", "meeting", "September", "form", "personnel", "partners", "management",
    ];

    private static Gen<string> Queries() =>
        Gen.NonEmptyListOf(Gen.Elements(Vocabulary)).Select(words => string.Join(' ', words.Take(6)));

    [Fact]
    public async Task A_user_outside_hr_never_gets_an_hr_chunk_and_hr_documents_do_not_change_their_ranking()
    {
        var emptyHr = Directory.CreateTempSubdirectory("empty-hr").FullName;
        using var withHr = new TestBox(office.Handbook, office.Hr);
        using var withoutHr = new TestBox(office.Handbook, emptyHr);
        using var full = await withHr.OpenAsync(model.Generator);
        using var bare = await withoutHr.OpenAsync(model.Generator);
        await full.IngestAsync(null, null, CancellationToken.None);
        await bare.IngestAsync(null, null, CancellationToken.None);
        string[] staff = ["everyone"];

        // The filter is not vacuous: a member of hr finds the HR-only phrase.
        var hr = await full.SearchAsync(new SearchRequest("quokka retention bonus", ["everyone", "hr"]) { Ranking = Ranking.Lexical }, CancellationToken.None);
        Assert.Contains(hr.Take(2), h => h.Path == "salary-bands.md");

        var property = Prop.ForAll(Arb.From(Queries()), query =>
        {
            var seen = full.SearchAsync(new SearchRequest(query, staff, 20), CancellationToken.None).GetAwaiter().GetResult();
            var reference = bare.SearchAsync(new SearchRequest(query, staff, 20), CancellationToken.None).GetAwaiter().GetResult();
            Assert.All(seen, hit => Assert.Equal("handbook", hit.Citation.CollectionId));
            Assert.Equal(
                reference.Select(h => (h.DocumentId, h.Citation.StartChar, Math.Round(h.Score, 9))),
                seen.Select(h => (h.DocumentId, h.Citation.StartChar, Math.Round(h.Score, 9))));
        });
        Check.One(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(60), property);

        Assert.DoesNotContain(await full.ListDocumentsAsync(staff, CancellationToken.None), d => d.CollectionId == "hr");
        Assert.Empty(await full.SearchAsync(new SearchRequest("salary band", ["nobody"]), CancellationToken.None));
    }
}
