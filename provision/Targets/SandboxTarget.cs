using Appliance.Exec;

namespace Appliance.Provision.Targets;

/// <summary>
/// `sandbox:DIR`: a directory standing in for "/" with the simulated macOS command set on its PATH.
/// A test double for a Mac, created on first use.
/// </summary>
public sealed class SandboxTarget : ITarget
{
    private readonly ICommandRunner runner;

    private SandboxTarget(string root, ICommandRunner runner)
    {
        Root = root;
        this.runner = runner;
    }

    public string Root { get; }
    public string Description => $"sandbox {Root} (simulated macOS)";
    public string? SshLogin => null;
    public bool IsSimulated => true;
    public string CommandFolder => Path.Combine(Root, ".simulated-macos", "bin");

    /// <summary>Opens the sandbox, creating a stock simulated Mac with the given RAM when the folder is new.</summary>
    public static async Task<SandboxTarget> OpenAsync(string root, int memoryGb, ICommandRunner runner, CancellationToken cancellationToken)
    {
        root = Path.GetFullPath(root);
        if (!File.Exists(Path.Combine(root, ".simulated-macos", "state.json")))
        {
            var program = SimulatedMacOSProgram.Locate();
            (await runner.RunAsync(program.Init(root, memoryGb), cancellationToken)).EnsureSuccess();
        }
        return new SandboxTarget(root, runner);
    }

    public async Task<CommandResult> RunAsync(Command command, CancellationToken cancellationToken) =>
        (await runner.RunAsync(SimulatedCommands.Map(command, CommandFolder), cancellationToken)) with { Command = command };

    public string HostPath(string path) => Path.Combine(Root, path.TrimStart('/'));

    public async Task<byte[]?> ReadFileAsync(string path, CancellationToken cancellationToken) =>
        File.Exists(HostPath(path)) ? await File.ReadAllBytesAsync(HostPath(path), cancellationToken) : null;

    public async Task WriteFileAsync(string path, byte[] content, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(HostPath(path))!);
        await File.WriteAllBytesAsync(HostPath(path), content, cancellationToken);
    }

    public Task CopyFileAsync(string localPath, string path, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(HostPath(path))!);
        File.Copy(localPath, HostPath(path), overwrite: true);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>How a macOS command line reaches the simulated command of the same name.</summary>
public static class SimulatedCommands
{
    /// <summary>`/sbin/pfctl -s info` → `<bin>/pfctl -s info`: the simulation is found by program name.</summary>
    public static Command Map(Command command, string commandFolder) =>
        command with { Program = Path.Combine(commandFolder, Path.GetFileName(command.Program)) };
}

/// <summary>The simulated-macos program shipped beside provision.</summary>
public sealed record SimulatedMacOSProgram(string Folder)
{
    public static SimulatedMacOSProgram Locate()
    {
        var folder = Environment.GetEnvironmentVariable("APPLIANCE_SIMULATED_MACOS") ?? AppContext.BaseDirectory;
        if (!File.Exists(Path.Combine(folder, "simulated-macos.dll")))
            throw new FileNotFoundException($"simulated macOS: simulated-macos.dll not found in {folder} (build provision, or set APPLIANCE_SIMULATED_MACOS)");
        return new SimulatedMacOSProgram(folder);
    }

    public Command Init(string root, int memoryGb) =>
        File.Exists(Path.Combine(Folder, "simulated-macos"))
            ? Command.Of(Path.Combine(Folder, "simulated-macos"), "init", root, "--memory-gb", memoryGb.ToString())
            : Command.Of("dotnet", Path.Combine(Folder, "simulated-macos.dll"), "init", root, "--memory-gb", memoryGb.ToString());
}
