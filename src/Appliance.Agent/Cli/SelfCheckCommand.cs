using System.CommandLine;
using System.Text.Json;
using Appliance.Llama;

namespace Appliance.Agent.Cli;

/// <summary>`appliance selfcheck`: is the native inference library this box needs in order?</summary>
internal static class SelfCheckCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "print machine-readable JSON" };
        var command = new Command("selfcheck", """
            Verify the pinned native llama.cpp build: every library's SHA-256 against the list
            written when the npm tarball's integrity was checked, then load it and print what
            llama.cpp reports about this CPU/GPU. Exit 0 when all is well, 1 otherwise.
            """) { json };
        command.SetAction(parse =>
        {
            var report = NativeSelfCheck.Run();
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    passed = report.Passed,
                    folder = report.Folder,
                    runtime = report.RuntimeId,
                    package = report.Package,
                    problems = report.Problems,
                    system_info = report.SystemInfo,
                }, new JsonSerializerOptions { WriteIndented = true }));
            }
            else if (report.Passed)
            {
                Console.WriteLine($"native llama.cpp: ok — {report.Package} for {report.RuntimeId} in {report.Folder}");
                Console.WriteLine($"  llama.cpp says: {report.SystemInfo!.Trim()}");
            }
            else
            {
                Console.WriteLine("native llama.cpp: NOT usable");
                foreach (var problem in report.Problems) Console.WriteLine($"  - {problem}");
            }
            return report.Passed ? 0 : 1;
        });
        return command;
    }
}
