using System.Globalization;
using System.Text;

namespace Appliance.Agent.Metrics;

/// <summary>Writes Prometheus' text exposition format (version 0.0.4): HELP, TYPE, then samples.</summary>
public sealed class PrometheusText
{
    private readonly StringBuilder _text = new();

    public PrometheusText Family(string name, string type, string help)
    {
        _text.Append("# HELP ").Append(name).Append(' ').Append(help.Replace("\\", @"\\").Replace("\n", @"\n")).Append('\n');
        _text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        return this;
    }

    public PrometheusText Sample(string name, double value, params (string Name, string Value)[] labels)
    {
        _text.Append(name);
        if (labels.Length > 0)
        {
            _text.Append('{');
            for (var i = 0; i < labels.Length; i++)
            {
                if (i > 0) _text.Append(',');
                _text.Append(labels[i].Name).Append("=\"")
                    .Append(labels[i].Value.Replace("\\", @"\\").Replace("\"", "\\\"").Replace("\n", @"\n")).Append('"');
            }
            _text.Append('}');
        }
        _text.Append(' ').Append(Format(value)).Append('\n');
        return this;
    }

    public PrometheusText Gauge(string name, string help, double value) => Family(name, "gauge", help).Sample(name, value);

    public PrometheusText Counter(string name, string help, double value) => Family(name, "counter", help).Sample(name, value);

    public override string ToString() => _text.ToString();

    private static string Format(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);
}
