namespace Appliance.Rag.Sources;

public enum Origin { Source, Upload }

/// <summary>A file found in a collection's folder; <see cref="Path"/> is relative to the collection's root, with '/'.</summary>
/// <param name="Modified">the file's last write time (UTC ticks): with the size, how a sync tells an unchanged file without reading it</param>
public sealed record SourceFile(string CollectionId, string FullPath, string Path, Origin Origin, long Bytes, long Modified);

/// <summary>A file or folder the walk could not take, and why.</summary>
public sealed record SourceProblem(string CollectionId, string Path, string Reason);

/// <summary>One folder of a collection as walked: what was found, what was refused, whether the walk was complete.</summary>
public sealed record SourceListing(string Root, IReadOnlyList<SourceFile> Files, IReadOnlyList<SourceProblem> Problems, bool Complete);
