namespace Appliance.TestModels;

/// <summary>A model file setup writes deterministically, checked against its pinned SHA-256.</summary>
public interface IModelFile
{
    string FileName { get; }
    string ExpectedSha256 { get; }
    void Write(Stream output);
}
