using Microsoft.Data.Sqlite;

namespace Appliance.Rag.Tests;

/// <summary>
/// Each collection is analysed in its language: German stems, umlauts and compounds, French and
/// Italian elision and stems, and for "auto" the language of each document; citations keep the
/// original text.
/// </summary>
public sealed class LanguageTests
{
    private static readonly string[] Staff = ["everyone"];

    private static async Task<IReadOnlyList<SearchHit>> FindAsync(DocumentLibrary library, string question) =>
        await library.SearchAsync(new SearchRequest(question, Staff, 3) { Ranking = Ranking.Lexical }, CancellationToken.None);

    private static string Folder(params (string Name, string Text)[] files)
    {
        var folder = Directory.CreateTempSubdirectory("language").FullName;
        foreach (var (name, text) in files) File.WriteAllText(Path.Combine(folder, name), text);
        return folder;
    }

    private static readonly (string, string)[] GermanOffice =
    [
        ("urlaub.md", "# Urlaub\n\nDer Urlaubsantrag ist vier Wochen vorher im Personalportal einzureichen.\n"),
        ("kuendigung.md", "# Arbeitsvertrag\n\nDie Kündigungsfrist beträgt drei Monate zum Quartalsende.\n"),
        ("mandate.md", "# Mandate\n\nEin Antrag auf Akteneinsicht geht an das Gericht. Die Frist für die Berufung ist ein Monat.\n"),
        ("strasse.md", "# Parkplätze\n\nDie Tiefgarage in der Hauptstraße ist für Mandanten reserviert.\n"),
    ];

    [Fact]
    public async Task German_compounds_umlauts_and_endings_match_in_both_directions()
    {
        using var box = new TestBox(Folder(GermanOffice), Folder(), language: "de");
        using var library = await box.OpenAsync();
        await library.IngestAsync(null, null, CancellationToken.None);

        Assert.Equal("urlaub.md", (await FindAsync(library, "Antrag auf Urlaub"))[0].Path);          // parts of a compound in the text
        Assert.Equal("kuendigung.md", (await FindAsync(library, "Frist der Kündigung"))[0].Path);
        Assert.Equal("kuendigung.md", (await FindAsync(library, "Kündigungsfristen"))[0].Path);       // plural
        Assert.Equal("kuendigung.md", (await FindAsync(library, "kundigungsfrist"))[0].Path);         // typed without the umlaut
        Assert.Equal("mandate.md", (await FindAsync(library, "Berufungsfrist"))[0].Path);             // a compound the question makes
        Assert.Equal("strasse.md", (await FindAsync(library, "Hauptstrasse Tiefgaragen"))[0].Path);   // ß as ss
        var hit = (await FindAsync(library, "Kündigungsfrist"))[0];
        Assert.Contains("Die Kündigungsfrist beträgt drei Monate", hit.Text);                           // the original text
        Assert.Contains("Kündigungsfrist", hit.Citation.Snippet);
    }

    [Fact]
    public async Task French_and_Italian_fold_accents_drop_elided_articles_and_stem()
    {
        using var french = new TestBox(Folder(
            ("bail.md", "# Bail\n\nLa résiliation du contrat de bail exige l'envoi d'une lettre recommandée.\n"),
            ("conges.md", "# Congés\n\nLes congés payés sont de vingt-cinq jours ouvrables.\n")), Folder(), language: "fr");
        using (var library = await french.OpenAsync())
        {
            await library.IngestAsync(null, null, CancellationToken.None);
            Assert.Equal("bail.md", (await FindAsync(library, "resiliation des contrats"))[0].Path);
            Assert.Equal("bail.md", (await FindAsync(library, "envoi lettres recommandées"))[0].Path);
            Assert.Equal("conges.md", (await FindAsync(library, "congé payé"))[0].Path);
        }
        using var italian = new TestBox(Folder(
            ("affitto.md", "# Affitto\n\nLa disdetta dell'affitto va inviata con raccomandata entro tre mesi.\n"),
            ("ferie.md", "# Ferie\n\nI dipendenti hanno diritto a venticinque giorni di ferie retribuite.\n")), Folder(), language: "it");
        using (var library = await italian.OpenAsync())
        {
            await library.IngestAsync(null, null, CancellationToken.None);
            Assert.Equal("affitto.md", (await FindAsync(library, "disdette affitti"))[0].Path);
            Assert.Equal("ferie.md", (await FindAsync(library, "ferie retribuita dipendente"))[0].Path);
        }
    }

    [Fact]
    public async Task An_auto_collection_analyses_each_document_in_its_own_language_and_a_language_change_reanalyses_at_open()
    {
        var folder = Folder([.. GermanOffice,
            ("leave.md", "# Leave policy\n\nEvery employee receives thirty working days of annual leave per calendar year, and the requests are approved by the team lead.\n")]);
        using var box = new TestBox(folder, Folder());
        using (var library = await box.OpenAsync())
        {
            await library.IngestAsync(null, null, CancellationToken.None);
            Assert.Equal("kuendigung.md", (await FindAsync(library, "Frist der Kündigung"))[0].Path);
            Assert.Equal("leave.md", (await FindAsync(library, "requesting annual leaves"))[0].Path);
            Assert.Equal(["de", "en"], Languages(library));
        }

        // The collection declared English: its table is rebuilt from the stored chunks at open (no
        // ingest runs), and German compounds are no longer split.
        box.Rewrite(text => text.Replace("uploads: true }", "uploads: true, language: en }"));
        using (var library = await box.OpenAsync())
        {
            Assert.DoesNotContain(await FindAsync(library, "Frist der Kündigung"), h => h.Path == "kuendigung.md");
            Assert.Equal("leave.md", (await FindAsync(library, "requesting annual leaves"))[0].Path);
            Assert.Equal(["en"], Languages(library));
            Assert.Empty(library.CheckIntegrity());
        }
    }

    private static string[] Languages(DocumentLibrary library)
    {
        using var connection = new SqliteConnection($"Data Source={library.DatabasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT DISTINCT language FROM documents ORDER BY language";
        using var reader = command.ExecuteReader();
        var list = new List<string>();
        while (reader.Read()) list.Add(reader.GetString(0));
        return [.. list];
    }
}
