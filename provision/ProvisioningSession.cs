using Appliance.Config;
using Appliance.Exec;
using Appliance.Provision.Apply;
using Appliance.Provision.Controls;
using Appliance.Provision.Desired;
using Appliance.Provision.Preflight;
using Appliance.Provision.Ssh;
using Appliance.Provision.Targets;
using Appliance.Provision.Templates;

namespace Appliance.Provision;

/// <summary>
/// One config and one target, opened together: the verbs plan, apply, verify and rollback as the
/// CLI and the tests use them. Data flows one way: config → desired state → plan → apply → journal.
/// </summary>
public sealed class ProvisioningSession : IAsyncDisposable
{
    private ProvisioningSession(string configFile, string configText, ConfigLoadResult loaded, ITarget target, TemplateSet templates, string modelCache, string? bundle)
    {
        var config = loaded.Require();
        Bundle = bundle;
        ConfigFile = configFile;
        ConfigText = configText;
        Config = config;
        Target = target;
        Templates = templates;
        ModelCache = modelCache;
        Desired = DesiredState.From(config, configText, templates, modelCache, bundle, Path.GetDirectoryName(configFile), loaded.Locations);
    }

    public string ConfigFile { get; }
    public string ConfigText { get; }
    public ApplianceConfig Config { get; }
    public ITarget Target { get; }
    public TemplateSet Templates { get; }
    public string ModelCache { get; }
    public DesiredState Desired { get; }

    /// <summary>The agent bundle folder to install (from `provision bundle`), or null to leave the program alone.</summary>
    public string? Bundle { get; }

    /// <summary>Where models wait on the provisioning machine: .cache/models beside the config unless told otherwise.</summary>
    public static string DefaultModelCache(string configFile) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(configFile))!, ".cache", "models");

    /// <exception cref="InvalidConfigException">the config has errors (each with file:line:col).</exception>
    public static async Task<ProvisioningSession> OpenAsync(string configFile, string target, SessionOptions options, CancellationToken cancellationToken)
    {
        var (loaded, text, modelCache) = await LoadAsync(configFile, options, cancellationToken);
        var opened = await OpenTargetAsync(TargetAddress.Parse(target), loaded.Require().Machine.MemoryGb, options, cancellationToken);
        return new ProvisioningSession(Path.GetFullPath(configFile), text, loaded, opened, options.Templates ?? TemplateSet.Load(),
            modelCache, options.Bundle);
    }

    /// <summary>The session over a target opened elsewhere (a wrapped or recording target); the session disposes it.</summary>
    public static async Task<ProvisioningSession> OpenAsync(string configFile, ITarget target, SessionOptions options, CancellationToken cancellationToken)
    {
        var (loaded, text, modelCache) = await LoadAsync(configFile, options, cancellationToken);
        return new ProvisioningSession(Path.GetFullPath(configFile), text, loaded, target, options.Templates ?? TemplateSet.Load(),
            modelCache, options.Bundle);
    }

    private static async Task<(ConfigLoadResult Loaded, string Text, string ModelCache)> LoadAsync(string configFile, SessionOptions options, CancellationToken cancellationToken)
    {
        var modelCache = options.ModelCache ?? DefaultModelCache(configFile);
        var loaded = ConfigLoader.Load(configFile, [modelCache]);
        loaded.Require();
        return (loaded, await File.ReadAllTextAsync(configFile, cancellationToken), modelCache);
    }

    public static async Task<ITarget> OpenTargetAsync(TargetAddress address, int memoryGb, SessionOptions options, CancellationToken cancellationToken)
    {
        var runner = options.Runner ?? new LocalCommandRunner();
        return address switch
        {
            TargetAddress.Sandbox s => await SandboxTarget.OpenAsync(s.Root, memoryGb, runner, cancellationToken),
            TargetAddress.Ssh s => await SshTarget.OpenAsync(s, options.SshConfig, runner, cancellationToken),
            TargetAddress.Local => LocalTarget.RefusalReason() is { } reason ? throw new TargetRefusedException(reason) : new LocalTarget(runner),
            _ => throw new ArgumentOutOfRangeException(nameof(address)),
        };
    }

    public async Task<Plan> PlanAsync(CancellationToken cancellationToken) =>
        await Planner.PlanAsync(Desired, Target, await StateRecord.LoadAsync(Target, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<Finding>> PreflightAsync(CancellationToken cancellationToken) => PreflightAsync(null, cancellationToken);

    /// <param name="plan">the plan apply is about to run: what its steps need from this machine is checked too</param>
    public async Task<IReadOnlyList<Finding>> PreflightAsync(Plan? plan, CancellationToken cancellationToken)
    {
        var findings = await PreflightChecks.RunAsync(Config, Target, ModelCache, cancellationToken);
        if (plan is not null) findings = [.. findings, .. PreflightChecks.Inputs(plan)];
        return Desired.Resources.OfType<ProvisioningLogin>().SingleOrDefault() is { } login && await login.CheckAsync(Target, cancellationToken) is { } first
            ? [first, .. findings]
            : findings;
    }

    public async Task<ApplyOutcome> ApplyAsync(Plan plan, IProgress<StepResult>? progress, CancellationToken cancellationToken)
    {
        var record = await StateRecord.LoadAsync(Target, cancellationToken);
        return await new Applier(Target, Operator.Current, TimeProvider.System)
            .ApplyAsync(plan, record, ConfigFile, ConfigText, "apply", null, progress, cancellationToken);
    }

    public async Task<VerifyReport> VerifyAsync(CancellationToken cancellationToken)
    {
        var record = await StateRecord.LoadAsync(Target, cancellationToken);
        var plan = await Planner.PlanAsync(Desired, Target, record, cancellationToken);
        return new VerifyReport(Config.Appliance.Name, Target.Description, Target.IsSimulated, record.Current?.Number, DateTimeOffset.UtcNow, plan.Results);
    }

    /// <summary>The session for a previous generation's config on the same target (for rollback).</summary>
    public async Task<(ProvisioningSession Session, Generation Generation)> ForGenerationAsync(int? number, CancellationToken cancellationToken)
    {
        var record = await StateRecord.LoadAsync(Target, cancellationToken);
        if (record.Current is null) throw new RollbackException("nothing to roll back: the box has no generations yet (run apply first)");
        var wanted = number ?? record.Current.Number - 1;
        var generation = record.Generations.FirstOrDefault(g => g.Number == wanted)
            ?? throw new RollbackException($"there is no generation {wanted}; the box has {string.Join(", ", record.Generations.Select(g => g.Number))}");
        var loaded = ConfigLoader.LoadText(generation.ConfigText, $"generation {wanted} ({generation.ConfigFile})", Path.GetDirectoryName(generation.ConfigFile)!);
        return (new ProvisioningSession(generation.ConfigFile, generation.ConfigText, loaded, Target, Templates, ModelCache, Bundle), generation);
    }

    public async Task<ApplyOutcome> RollbackAsync(int generation, Plan plan, IProgress<StepResult>? progress, CancellationToken cancellationToken)
    {
        var record = await StateRecord.LoadAsync(Target, cancellationToken);
        return await new Applier(Target, Operator.Current, TimeProvider.System)
            .ApplyAsync(plan, record, ConfigFile, ConfigText, "rollback", generation, progress, cancellationToken);
    }

    public ValueTask DisposeAsync() => Target.DisposeAsync();
}

public sealed record SessionOptions
{
    public ICommandRunner? Runner { get; init; }
    public string? SshConfig { get; init; }
    public string? ModelCache { get; init; }
    public TemplateSet? Templates { get; init; }
    public string? Bundle { get; init; }
}

public sealed class TargetRefusedException(string message) : Exception(message);
public sealed class RollbackException(string message) : Exception(message);
