using Appliance.Rag.Index;

namespace Appliance.Rag.Tests;

/// <summary>A full-text table's name is written into SQL: only names the index made itself are accepted.</summary>
public sealed class FtsTableTests
{
    [Theory]
    [InlineData("fts_0", 0)]
    [InlineData("fts_12", 12)]
    public void A_stored_name_of_its_own_is_read_back(string stored, int ordinal)
    {
        var table = FtsTable.FromStored(stored);
        Assert.Equal(stored, table.Name);
        Assert.Equal(ordinal, table.Ordinal);
        Assert.Equal(table, FtsTable.Numbered(ordinal));
    }

    [Theory]
    [InlineData("fts_")]
    [InlineData("fts_1; DROP TABLE documents")]
    [InlineData("chunks")]
    [InlineData("FTS_1")]
    [InlineData("fts_-1")]
    public void Any_other_name_is_refused(string stored) =>
        Assert.Throws<InvalidDataException>(() => FtsTable.FromStored(stored));
}
