using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Appliance.Provision.Tests;

/// <summary>The README's Layout section is the map a newcomer reads first: it must name every project and every folder of the larger ones.</summary>
public sealed class RepositoryMapTests
{
    private static readonly string Root = TestBox.RepositoryRoot;

    private static readonly string[] Mapped = ["src/Appliance.Agent", "src/Appliance.Rag", "src/Appliance.Inference", "provision", "audit"];

    private static IReadOnlyList<string> LayoutRows()
    {
        var readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        var section = Regex.Match(readme, @"\n## Layout\n(.*?)\n## ", RegexOptions.Singleline);
        Assert.True(section.Success, "README.md has no '## Layout' section");
        return [.. section.Groups[1].Value.Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal))];
    }

    [Fact]
    public void Every_project_of_the_solution_is_in_the_layout_table()
    {
        var rows = LayoutRows();
        var projects = XDocument.Load(Path.Combine(Root, "Appliance.slnx")).Descendants("Project")
            .Select(p => Path.GetDirectoryName(p.Attribute("Path")!.Value)!.Replace('\\', '/')).ToList();
        Assert.NotEmpty(projects);
        foreach (var project in projects.Where(p => !p.StartsWith("tests/", StringComparison.Ordinal)))
            Assert.True(rows.Any(r => r.Contains($"`{project}/`") || r.Contains($"`{project}`")), $"README's Layout does not name {project}");
        Assert.Contains(rows, r => r.StartsWith("| `tests/`", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_folder_of_the_larger_projects_is_named_where_its_project_is_mapped()
    {
        var rows = LayoutRows();
        foreach (var project in Mapped)
        {
            var folders = Directory.GetDirectories(Path.Combine(Root, project)).Select(Path.GetFileName).OfType<string>()
                .Where(f => f is not ("bin" or "obj") && Directory.EnumerateFiles(Path.Combine(Root, project, f), "*.cs", SearchOption.AllDirectories).Any());
            foreach (var folder in folders)
                Assert.True(rows.Any(r => r.StartsWith($"| `{project}/", StringComparison.Ordinal) && (r.Contains($"`{project}/{folder}`") || r.Contains($"`{project}/{folder}/`") || r.Contains($"`{folder}`"))),
                    $"README's Layout does not say what lives in {project}/{folder}");
        }
    }
}
