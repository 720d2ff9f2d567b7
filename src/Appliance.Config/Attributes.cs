namespace Appliance.Config;

/// <summary>One line of documentation for a config field, shown in errors and `config schema`.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class DocAttribute(string text) : Attribute
{
    public string Text { get; } = text;
}

/// <summary>Inclusive bounds for a number.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RangeAttribute : Attribute
{
    public RangeAttribute(int min, int max) => (Min, Max, Whole) = (min, max, true);
    public RangeAttribute(double min, double max) => (Min, Max, Whole) = (min, max, false);
    public double Min { get; }
    public double Max { get; }
    public bool Whole { get; }
}

/// <summary>A list that must hold at least this many items.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MinCountAttribute(int count) : Attribute
{
    public int Count { get; } = count;
}

/// <summary>A short id: lower-case letters, digits, '-' and '_', starting with a letter.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class IdentifierAttribute : Attribute;

/// <summary>A DNS host name.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class HostNameAttribute : Attribute;

/// <summary>The spelling of an enum value in YAML when the kebab-case default does not fit.</summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class ConfigNameAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
