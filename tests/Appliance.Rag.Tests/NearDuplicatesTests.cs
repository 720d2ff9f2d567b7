using Appliance.Rag.Retrieval;

namespace Appliance.Rag.Tests;

/// <summary>Near-duplicate suppression: the same passage twice is one hit, different passages stay.</summary>
public sealed class NearDuplicatesTests
{
    private const string Policy =
        "Employees may carry over up to five days of annual leave into the next calendar year, provided their team lead agrees in writing before the end of November.";

    [Fact]
    public void A_passage_seen_again_with_small_edits_is_a_duplicate_and_other_passages_are_not()
    {
        var seen = new NearDuplicates();
        Assert.True(seen.TryAccept(Policy));
        Assert.False(seen.TryAccept(Policy));
        Assert.False(seen.TryAccept(Policy.ToUpperInvariant()));
        Assert.False(seen.TryAccept(Policy.Replace("November.", "November. Questions go to HR.")));
        Assert.True(seen.TryAccept("Hotel costs are reimbursed up to 120 EUR per night in Germany and 150 EUR abroad."));
        // Half of the policy is not a copy of it: the size check alone must not reject or accept it.
        Assert.True(seen.TryAccept(string.Join(' ', Policy.Split(' ').Take(14))));
        Assert.True(seen.TryAccept(Policy + " " + Policy.Replace("five", "three").Replace("annual", "sick")));
    }
}
