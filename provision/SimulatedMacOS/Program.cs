using Appliance.SimulatedMacOS;

// simulated macOS — a test double for the provisioner's sandbox target, never a real Mac.
// Invoked as `simulated-macos <command> args…` by the wrappers in <root>/.simulated-macos/bin,
// which set SIMULATED_MACOS_ROOT. `simulated-macos init <root>` creates a fresh stock Mac.
if (args.Length == 0)
{
    Console.Error.WriteLine("simulated macOS: usage: simulated-macos init ROOT [--memory-gb N] | COMMAND ARGS… (with SIMULATED_MACOS_ROOT set)");
    return 64;
}

if (args[0] == "init")
{
    if (args.Length < 2) { Console.Error.WriteLine("simulated macOS: init needs a root directory"); return 64; }
    var memory = args.Length >= 4 && args[2] == "--memory-gb" ? int.Parse(args[3]) : 64;
    StockMac.Create(args[1], memory, AppContext.BaseDirectory);
    Console.WriteLine($"simulated macOS: created a stock macOS {new MacState().ProductVersion} sandbox at {Path.GetFullPath(args[1])} ({memory} GB)");
    return 0;
}

var root = Environment.GetEnvironmentVariable("SIMULATED_MACOS_ROOT");
if (string.IsNullOrEmpty(root) || !File.Exists(SimulatedMac.StateFile(root)))
{
    Console.Error.WriteLine("simulated macOS: SIMULATED_MACOS_ROOT does not name an initialised sandbox");
    return 69;
}

var stateFile = SimulatedMac.StateFile(root);
using var stateLock = StateLock.Acquire(stateFile + ".lock");
var before = File.ReadAllText(stateFile);
var mac = new SimulatedMac(root, MacState.Load(stateFile), Console.Out, Console.Error);
var exit = new Commands(mac).Run(args[0], args[1..]);
if (mac.State.ToJson() != before) mac.State.Save(stateFile);
return exit;
