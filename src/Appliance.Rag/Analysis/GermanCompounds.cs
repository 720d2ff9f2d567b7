using System.Collections.Frozen;

namespace Appliance.Rag.Analysis;

/// <summary>
/// Splits German compounds into their parts, so that "Urlaubsantrag" also indexes "urlaub" and
/// "antrag", and "Kündigungsfrist" "kundigung" and "frist". German compounds are right-headed:
/// the last part is the noun, earlier parts (often with a linking s, es, n, en, er or e) qualify it.
/// A split counts only when every part is a known word — of a small built-in office vocabulary, or
/// of the collection itself (<c>isWord</c>: the document's own words at ingest, the index's terms
/// for a question) — so "Kunde" is never found in "Kundgebung" by accident.
/// </summary>
internal static class GermanCompounds
{
    /// <summary>Shorter words are not split: every part has at least <see cref="MinimumPart"/> letters.</summary>
    public const int MinimumLength = 2 * MinimumPart;

    private const int MinimumPart = 4;

    private static readonly string[] Links = ["", "s", "es", "n", "en", "er", "e", "ns"];

    /// <summary>The stemmed parts of <paramref name="stem"/> (itself a stemmed, folded word), or nothing when it is no compound of known words.</summary>
    public static IReadOnlyList<string> Split(string stem, Func<string, string> stemPart, Func<string, bool>? isWord)
    {
        bool Known(string part) => part.Length >= MinimumPart && (Vocabulary.Contains(part) || isWord?.Invoke(part) == true);
        return Split(stem, stemPart, Known, depth: 0) ?? [];
    }

    private static List<string>? Split(string word, Func<string, string> stemPart, Func<string, bool> known, int depth)
    {
        if (depth > 3 || word.Length < MinimumLength) return null;
        // The longest tail first: the head noun of a compound is its last part.
        for (var cut = MinimumPart; cut <= word.Length - MinimumPart; cut++)
        {
            var tail = stemPart(word[cut..]);
            var tailParts = known(tail) ? [tail] : Split(word[cut..], stemPart, known, depth + 1);
            if (tailParts is null) continue;
            var head = word[..cut];
            foreach (var link in Links)
            {
                if (!head.EndsWith(link, StringComparison.Ordinal) || head.Length - link.Length < MinimumPart) continue;
                var stemmed = stemPart(head[..^link.Length]);
                if (known(stemmed)) return [stemmed, .. tailParts];
            }
        }
        return null;
    }

    /// <summary>
    /// Words an office writes compounds of, stemmed like the index stems them. The collection's own
    /// words come on top; this list only makes the first documents of a fresh box split well.
    /// </summary>
    private static readonly FrozenSet<string> Vocabulary = new[]
    {
        "abrechnung", "abschluss", "abteilung", "abwesenheit", "akte", "amt", "anderung", "angebot", "anspruch", "antrag", "anwalt",
        "arbeit", "arbeitgeber", "arbeitnehmer", "archiv", "arzt", "attest", "aufbewahrung", "auftrag", "ausweis", "auskunft", "bank",
        "bau", "beginn", "behorde", "beleg", "bereitschaft", "bericht", "berufung", "bescheid", "bescheinigung", "beschluss", "bestellung",
        "betrag", "buro", "daten", "datei", "datenschutz", "dienst", "dokument", "drucker", "einspruch", "einwilligung", "eltern", "ende",
        "entwurf", "erbe", "erbschaft", "erklarung", "ersatz", "fahrt", "familie", "fassung", "feier", "feiertag", "finanz", "firma",
        "formular", "frist", "garantie", "gebuhr", "gehalt", "geheimnis", "genehmigung", "gericht", "gesellschaft", "gesetz", "gesprach",
        "gesundheit", "grundstuck", "haftung", "haus", "honorar", "hotel", "jahr", "karte", "kanzlei", "kauf", "kind", "klage", "konto",
        "kosten", "krank", "krankheit", "kunde", "kundigung", "labor", "leistung", "leiter", "lieferung", "liste", "lohn", "loschung",
        "mahnung", "mandant", "mandat", "mangel", "meldung", "miete", "mieter", "mitarbeiter", "monat", "muster", "nachweis", "netz",
        "notar", "notfall", "nummer", "ordner", "partner", "passwort", "patient", "person", "personal", "pflege", "pflicht", "plan",
        "post", "praxis", "preis", "protokoll", "quittung", "raum", "recht", "rechnung", "reise", "rente", "richtlinie", "rucktritt",
        "schaden", "scheidung", "schicht", "schlussel", "schreiben", "schutz", "sicherheit", "sitzung", "sozial", "spesen", "speicherung",
        "steuer", "straf", "stunde", "summe", "tag", "teil", "telefon", "termin", "testament", "uberstunde", "ubernachtung", "uberweisung",
        "unterhalt", "unterlage", "unterschrift", "urlaub", "urteil", "verarbeitung", "verfahren", "verkauf", "vermieter", "verordnung",
        "versicherung", "vertrag", "vertretung", "verwaltung", "verzeichnis", "verzug", "vollmacht", "vorlage", "wert", "widerruf",
        "woche", "wochenende", "wohnung", "zahlung", "zeit", "zeichen", "zins", "zivil", "zugang",
    }.Select(w => Stem(w)).ToFrozenSet(StringComparer.Ordinal);

    /// <summary>A German word part as the index holds it: folded and stemmed like a whole word.</summary>
    public static string Stem(string word)
    {
        var buffer = word.ToCharArray();
        var length = new Lucene.Net.Analysis.De.GermanLightStemmer().Stem(buffer, buffer.Length);
        return new string(buffer, 0, length);
    }
}
