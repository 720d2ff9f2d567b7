using System.Text.Json;
using System.Text.Json.Nodes;
using Appliance.Audit.Evidence;
using Appliance.Audit.Pack;
using Json.Schema;

namespace Appliance.Audit.Tests;

/// <summary>The Art. 32 table says verified only for what live controls prove; evidence.json is what its schema says.</summary>
public sealed class MeasureTableTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 20, 2, 30, 0, TimeSpan.Zero);

    private static Measure Row(AuditInputs inputs, MeasureDefinition measure) =>
        Assert.Single(EvidenceAssembler.Assemble(inputs, "SHA256:" + new string('a', 64)).Measures, m => m.Id == measure.Id);

    [Fact]
    public void Administrative_access_is_failing_while_stealth_mode_is_off()
    {
        var inputs = PackInputs.Example() with
        {
            Controls =
            [
                new("ssh.effective", "sshd's effective settings", "permitrootlogin no", "permitrootlogin no", true, At) { Measures = ["TOM-4"] },
                new("alf.enabled", "application firewall on", "on", "on", true, At) { Measures = ["TOM-4", "TOM-1"] },
                new("alf.stealth", "stealth mode on", "on", "off", false, At) { Measures = ["TOM-4", "TOM-1"] },
            ],
        };
        var row = Row(inputs, Measures.AdministrativeAccess);
        Assert.Equal(["alf.enabled", "alf.stealth", "ssh.effective"], row.EvidenceControls);
        Assert.Equal("FAILING: alf.stealth", row.Status);
        Assert.Equal(["Art. 32(1)(b)"], row.Art32);
    }

    [Fact]
    public void A_measure_lists_the_controls_that_name_it_never_those_that_merely_share_an_id_prefix()
    {
        var inputs = PackInputs.Example() with
        {
            Controls = [new("pf.something-else", "not a network control", "x", "y", false, At) { Measures = ["TOM-9"] }],
        };
        Assert.Equal("no live control linked", Row(inputs, Measures.NetworkIsolation).Status);
        Assert.Equal("FAILING: pf.something-else", Row(inputs, Measures.Availability).Status);
    }

    [Fact]
    public void Evidence_json_of_a_pack_matches_evidence_schema_json()
    {
        var schema = JsonSchema.FromText(File.ReadAllText(Path.Combine(PackInputs.Root, "audit", "evidence.schema.json")));
        var evidence = EvidenceAssembler.Assemble(PackInputs.Example(), "SHA256:" + new string('a', 64));
        var json = JsonNode.Parse(JsonSerializer.Serialize(evidence, AuditJson.Options));
        var result = schema.Evaluate(Element(json!), new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, string.Join("\n", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}"))));

        // The check has teeth: a control result without its read-back is refused.
        var controls = json!["controls"]!["results"]!.AsArray();
        controls[0]!.AsObject().Remove("read_back");
        Assert.False(schema.Evaluate(Element(json), new EvaluationOptions()).IsValid);
    }

    private static JsonElement Element(JsonNode node) => JsonDocument.Parse(node.ToJsonString()).RootElement;

    [Fact]
    public void An_excerpt_entry_whose_hashed_link_is_not_its_link_breaks_the_chain_even_if_the_hash_appears_elsewhere()
    {
        var first = """[1,"2026-11-18T09:01:00Z","query","tkoch","/api/ask","hashed","c",[],1,1,1,200,null,null,"0000000000000000000000000000000000000000000000000000000000000000"]""";
        var firstHash = QueryLogChain.HashOf(first);
        // The previous hash is quoted inside the payload (as the user), but the hashed link field says something else.
        var second = $$"""[2,"2026-11-18T09:02:00Z","query","{{firstHash}}","/api/ask","hashed","c",[],1,1,1,200,null,null,"{{new string('f', 64)}}"]""";
        IReadOnlyList<ChainEntry> chain = [new(1, new string('0', 64), firstHash, first), new(2, firstHash, QueryLogChain.HashOf(second), second)];
        var check = QueryLogChain.Verify(chain);
        Assert.False(check.Intact);
        Assert.Equal(2, check.FirstBrokenSequence);
    }

    [Fact]
    public void An_excerpt_with_a_gap_breaks_the_chain()
    {
        var entries = PackInputs.Example().QueryLogExcerpt;
        var check = QueryLogChain.Verify([entries[0], entries[2]]);
        Assert.False(check.Intact);
        Assert.Contains("missing", check.Detail);
    }

    [Fact]
    public void The_time_of_an_entry_is_read_from_its_payload_as_json_whatever_its_spacing()
    {
        var entry = new ChainEntry(1, "p", "h", """[ 1 , "2026-11-18T09:01:00Z", "query", "a,b" ]""");
        Assert.Equal(new DateTimeOffset(2026, 11, 18, 9, 1, 0, TimeSpan.Zero), QueryLogChain.TimeOf(entry));
    }
}

/// <summary>What the report's files say about the software that made them.</summary>
public sealed class ReportLicenceTests
{
    [Fact]
    public void The_report_pdf_names_no_agpl_licence()
    {
        var pdf = new Appliance.Audit.Render.PdfReport().Render(EvidenceAssembler.Assemble(PackInputs.Example(), "SHA256:" + new string('a', 64)));
        var text = System.Text.Encoding.Latin1.GetString(pdf);
        Assert.StartsWith("%PDF-", text);
        Assert.DoesNotContain("AGPL", text);
    }

    [Fact]
    public void Markup_in_the_appliance_name_is_escaped_in_the_html_report()
    {
        var example = PackInputs.Example();
        var inputs = example with { Config = example.Config with { Appliance = example.Config.Appliance with { Name = "<script>x=1</script>" } } };
        var html = Appliance.Audit.Render.HtmlReport.FromShippedTemplates().Render(EvidenceAssembler.Assemble(inputs, "SHA256:" + new string('a', 64)), new Appliance.Audit.Pack.PackCheck(new string('0', 64), "", "SHA256:" + new string('a', 64), "", []));
        Assert.DoesNotContain("<script>", html);
        Assert.Contains("&lt;script&gt;x&#x3D;1&lt;/script&gt;", html);
    }
}
