namespace Appliance.Audit.Evidence;

/// <summary>The items of GDPR Art. 32(1) a technical or organisational measure serves.</summary>
public enum Art32Item
{
    /// <summary>Art. 32(1)(a): pseudonymisation and encryption of personal data.</summary>
    PseudonymisationAndEncryption,

    /// <summary>Art. 32(1)(b): ongoing confidentiality, integrity, availability and resilience.</summary>
    ConfidentialityIntegrityAvailability,

    /// <summary>Art. 32(1)(c): restoring availability and access in a timely manner after an incident.</summary>
    RestoreAvailability,

    /// <summary>Art. 32(1)(d): regularly testing, assessing and evaluating the measures.</summary>
    RegularTesting,
}

/// <summary>Where the proof of a measure comes from.</summary>
public enum MeasureProof
{
    /// <summary>Controls the provisioner reads back from the live box (each control names the measures it proves).</summary>
    LiveControls,

    /// <summary>The agent enforces it; its exported evidence (counts, chain) is the proof.</summary>
    AgentEvidence,
}

/// <summary>A technical or organisational measure, defined once: controls link to it by this value, never by an id prefix.</summary>
public sealed record MeasureDefinition(string Id, string Title, IReadOnlyList<Art32Item> Art32, MeasureProof ProvedBy)
{
    public IReadOnlyList<string> Art32Labels => [.. Art32.Select(Label)];

    public static string Label(Art32Item item) => item switch
    {
        Art32Item.PseudonymisationAndEncryption => "Art. 32(1)(a)",
        Art32Item.ConfidentialityIntegrityAvailability => "Art. 32(1)(b)",
        Art32Item.RestoreAvailability => "Art. 32(1)(c)",
        Art32Item.RegularTesting => "Art. 32(1)(d)",
        _ => throw new ArgumentOutOfRangeException(nameof(item)),
    };
}

/// <summary>The appliance's measures (the audit pack's Art. 32 table lists them in this order).</summary>
public static class Measures
{
    public static readonly MeasureDefinition NetworkIsolation = new("TOM-1", "Network isolation",
        [Art32Item.ConfidentialityIntegrityAvailability, Art32Item.RegularTesting], MeasureProof.LiveControls);
    public static readonly MeasureDefinition EncryptionAtRest = new("TOM-2", "Encryption at rest",
        [Art32Item.PseudonymisationAndEncryption], MeasureProof.LiveControls);
    public static readonly MeasureDefinition LeastPrivilege = new("TOM-3", "Least privilege",
        [Art32Item.ConfidentialityIntegrityAvailability], MeasureProof.LiveControls);
    public static readonly MeasureDefinition AdministrativeAccess = new("TOM-4", "Administrative access",
        [Art32Item.ConfidentialityIntegrityAvailability], MeasureProof.LiveControls);
    public static readonly MeasureDefinition CollectionAccess = new("TOM-5", "Access control per document collection",
        [Art32Item.ConfidentialityIntegrityAvailability], MeasureProof.AgentEvidence);
    public static readonly MeasureDefinition Authentication = new("TOM-6", "Authentication",
        [Art32Item.ConfidentialityIntegrityAvailability], MeasureProof.AgentEvidence);
    public static readonly MeasureDefinition QueryLog = new("TOM-7", "Pseudonymised, tamper-evident query log",
        [Art32Item.PseudonymisationAndEncryption, Art32Item.ConfidentialityIntegrityAvailability], MeasureProof.AgentEvidence);
    public static readonly MeasureDefinition StorageLimitation = new("TOM-8", "Storage limitation and erasure",
        [Art32Item.ConfidentialityIntegrityAvailability], MeasureProof.AgentEvidence);
    public static readonly MeasureDefinition Availability = new("TOM-9", "Availability and integrity of the service",
        [Art32Item.ConfidentialityIntegrityAvailability, Art32Item.RestoreAvailability, Art32Item.RegularTesting], MeasureProof.LiveControls);
    public static readonly MeasureDefinition ModelsPinned = new("TOM-10", "Models pinned",
        [Art32Item.ConfidentialityIntegrityAvailability], MeasureProof.LiveControls);
    public static readonly MeasureDefinition PlatformIntegrity = new("TOM-11", "Platform integrity and no indexing",
        [Art32Item.ConfidentialityIntegrityAvailability], MeasureProof.LiveControls);

    public static readonly IReadOnlyList<MeasureDefinition> All =
    [
        NetworkIsolation, EncryptionAtRest, LeastPrivilege, AdministrativeAccess, CollectionAccess, Authentication,
        QueryLog, StorageLimitation, Availability, ModelsPinned, PlatformIntegrity,
    ];
}
