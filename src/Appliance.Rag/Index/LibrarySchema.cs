namespace Appliance.Rag.Index;

/// <summary>
/// The index's schema version as this build knows it (the number of its migrations), for whoever
/// must tell whether a build can read data another build wrote: `provision bundle` asks the bundle's
/// own copy of this assembly and writes the answer into the bundle, so a rollback to older code is
/// refused before it meets data migrated past it.
/// </summary>
public static class LibrarySchema
{
    public const string FileName = DocumentLibrary.DatabaseFileName;

    public static int Version => Schema.Version;
}
