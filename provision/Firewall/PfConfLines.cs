using System.Text;
using Appliance.Exec;
using Appliance.Provision.Apply;
using Appliance.Provision.Controls;
using Appliance.Provision.Resources;
using Appliance.Provision.Targets;

namespace Appliance.Provision.Firewall;

/// <summary>
/// The two lines in /etc/pf.conf that hook the appliance's anchor in. The file is Apple's: the tool
/// only appends its lines when missing (keeping the original as pf.conf.before-appliance), and
/// checks them on every verify because macOS updates have replaced pf.conf before.
/// </summary>
public sealed class PfConfLines(string anchorName, string anchorFile) : Resource<string>
{
    public string[] Lines { get; } = [$"anchor \"{anchorName}\"", $"load anchor \"{anchorName}\" from \"{anchorFile}\""];

    private Control Control { get; } = ControlCatalogue.PfConfAnchor();

    public override string Id => "pf.conf lines";
    public override IReadOnlyList<Control> Controls => [Control];

    public override async Task<Reading<string>> ReadFactsAsync(LiveBox box, CancellationToken cancellationToken)
    {
        var bytes = await box.ReadFileAsync(Control.Check, cancellationToken);
        var text = bytes is null ? "" : Encoding.UTF8.GetString(bytes);
        var present = text.Split('\n').Select(l => l.Trim()).ToHashSet();
        var missing = Lines.Where(l => !present.Contains(l)).ToList();
        var observed = bytes is null ? "/etc/pf.conf missing" : missing.Count == 0 ? "both lines present" : $"missing: {string.Join(" | ", missing)}";
        return new Reading<string>([new ControlResult(Control, observed, missing.Count == 0, DateTimeOffset.UtcNow)], bytes is not null, text)
        {
            Diff = missing.Count == 0 ? null : string.Concat(missing.Select(l => "+ " + l + "\n")),
        };
    }

    public override IReadOnlyList<Step> Converge(Reading<string> reading)
    {
        if (reading.Passed) return [];
        var text = reading.Facts;
        var present = text.Split('\n').Select(l => l.Trim()).ToHashSet();
        var updated = new StringBuilder(text.Length == 0 || text.EndsWith('\n') ? text : text + "\n");
        foreach (var line in Lines.Where(l => !present.Contains(l))) updated.Append(line).Append('\n');
        return
        [
            new BackUpOriginal("/etc/pf.conf") { Resource = Id },
            new WriteFile("/etc/pf.conf", Encoding.UTF8.GetBytes(updated.ToString()), "root", "wheel", Modes.FileWorldReads) { Resource = Id },
            .. PfRulesLoaded.Reload(Id),
        ];
    }
}
