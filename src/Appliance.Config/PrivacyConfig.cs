using System.Net;

namespace Appliance.Config;

// appliance.yaml's privacy: the query log, history, the DPO's parties and DPIA answers, the report language.
public enum QueryLogMode { Full, Hashed, Off }

/// <summary>The language an audit pack is written in (its HTML and PDF; evidence.json keeps its field names).</summary>
public enum ReportLanguage { En, De }

public sealed record PrivacySettings
{
    public required Party Controller { get; init; }
    public required Party Dpo { get; init; }
    public QueryLogMode QueryLog { get; init; } = QueryLogMode.Hashed;

    [Range(1, 3650)]
    public int RetentionDays { get; init; } = 90;

    public required string LegalBasis { get; init; }

    public IReadOnlyList<string> Purposes { get; init; } = [];

    [Doc("the DPIA screening answers (Art. 35)")]
    public DpiaAnswers Dpia { get; init; } = new();

    [Doc("employees' conversation history on the web page")]
    public HistorySettings History { get; init; } = new();

    [Doc("the language of the audit pack: en or de (`provision audit pack --language` overrides it; the nightly pack uses it)")]
    public ReportLanguage ReportLanguage { get; init; } = ReportLanguage.En;
}

/// <summary>Whether the box keeps each employee's conversations (questions, answers, citations) and for how long.</summary>
public sealed record HistorySettings
{
    [Doc("keep conversations so each employee can reopen their own; off = nothing is stored, a conversation lasts as long as the page")]
    public bool Enabled { get; init; } = true;

    [Doc("days after a conversation's last question before it is purged"), Range(1, 3650)]
    public int RetentionDays { get; init; } = 90;
}

public sealed record Party
{
    public required string Name { get; init; }
    public required string Contact { get; init; }
    public string? Address { get; init; }
}

public sealed record DpiaAnswers
{
    public bool SpecialCategories { get; init; }
    public bool SystematicMonitoring { get; init; }
    public bool AutomatedDecisions { get; init; }
    public bool LargeScale { get; init; }
    public bool EmployeeEvaluation { get; init; }
}
