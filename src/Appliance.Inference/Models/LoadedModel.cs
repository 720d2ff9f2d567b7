namespace Appliance.Inference;

/// <summary>What is loaded, for the status page and the audit pack.</summary>
public sealed record LoadedModel(string Name, string Path, string Sha256, long SizeBytes, bool IsTestModel, int ContextLength);

/// <summary>A model file that cannot be used; the message says exactly why and what to do.</summary>
public sealed class ModelLoadException(string message, Exception? inner = null) : Exception(message, inner);
