using Appliance.Llama;
using Appliance.Agent.Answers;
using Appliance.Agent.Audit;
using Appliance.Agent.Conversations;
using Appliance.Agent.Documents;
using Appliance.Agent.Identity;
using Appliance.Agent.Jobs;
using Appliance.Agent.Metrics;
using Appliance.Agent.Web;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Appliance.Inference;
using Appliance.Rag;
using Appliance.Rag.Extraction;
using Appliance.Agent.Cli;
using Microsoft.AspNetCore.Http.Json;

namespace Appliance.Agent.Hosting;

/// <summary>Builds the agent's web application from the config: stores, services, Kestrel, middleware, routes.</summary>
public static class AgentHost
{
    /// <summary>Bytes a JSON request may carry; uploads raise their own limit from rag.max_upload_mb.</summary>
    public const long JsonBodyLimit = 1024 * 1024;

    public static async Task<WebApplication> BuildAsync(AgentOptions options, CancellationToken ct)
    {
        var config = options.Config;
        var data = options.DataFolder;
        var loosened = DataFolderAccess.Restrict(data);
        var listen = ListenAddresses.From(options);
        var clock = options.Clock;

        var identity = await IdentityStore.OpenAsync(Path.Combine(data, "agent.db"), clock, ct);
        await identity.SyncFromConfigAsync(config.Auth, ct);
        var queryLog = await QueryLog.OpenAsync(Path.Combine(data, "querylog.db"),
            QuestionProtection.Load(config.Privacy.QueryLog, Path.Combine(data, "querylog.key")), clock, ct);
        var securityEvents = await SecurityEvents.OpenAsync(Path.Combine(data, SecurityEvents.FileName), clock, ct);
        var conversations = await ConversationStore.OpenAsync(Path.Combine(data, ConversationStore.FileName), clock, ct);
        var personErasures = await PersonErasures.OpenAsync(Path.Combine(data, PersonErasures.FileName), clock, ct);
        var jobs = await JobStore.OpenAsync(Path.Combine(data, JobStore.FileName), clock, ct);
        SqliteMemoryBudget.Apply();

        // The library and the models start before the web host exists; they log like the rest.
        var loggers = LoggerFactory.Create(logging => ConfigureLogging(logging, options));
        if (loosened is { } before)
            loggers.CreateLogger("appliance").LogWarning("data folder {Folder} was open to other accounts ({Mode}); restricted it to the agent's account (700)",
                data, Convert.ToString((int)before, 8));
        InferenceService inference;
        try
        {
            inference = await InferenceService.StartAsync(config, options.ConfigDirectory, loggers, ct);
        }
        catch (ModelLoadException e)
        {
            loggers.Dispose();
            throw new AgentStartException($"cannot load the models: {e.Message}");
        }
        catch (NativeLibraryMissingException e)
        {
            loggers.Dispose();
            throw new AgentStartException($"cannot load llama.cpp: {e.Message}");
        }
        var models = ServedModels.From(inference);
        DocumentLibrary library;
        try
        {
            library = await DocumentLibrary.OpenAsync(config, options.ConfigDirectory, models.Embeddings, loggers, ct,
                extractors: ExtractorCatalog.Isolated(config.Rag, ThisProgram.Command()));
        }
        catch (DocumentLibraryException e)
        {
            // Another writer holds the data folder, or a setting does not suit the models
            // (rag.chunk_tokens beyond the embedding window): said once, plainly.
            await inference.DisposeAsync();
            loggers.Dispose();
            throw new AgentStartException(e.Error == LibraryError.Busy
                ? $"cannot open the documents: {e.Message} (wait for it to finish, or stop it)"
                : $"cannot open the document library: {e.Message}");
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.UseUrls([.. listen.Urls]);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = JsonBodyLimit;
            if (listen.Certificate is { } certificate)
                kestrel.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate);
        });
        // In-flight answers get this long to finish streaming when the agent is asked to stop.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));

        ConfigureLogging(builder.Logging, options);

        var services = builder.Services;
        services.AddSingleton(config);
        services.AddSingleton(options);
        services.AddSingleton(clock);
        services.AddSingleton(identity);
        services.AddSingleton(queryLog);
        services.AddSingleton(securityEvents);
        services.AddSingleton(conversations);
        services.AddSingleton(personErasures);
        services.AddSingleton(ExcerptSigner.Open(data));
        services.AddSingleton(jobs);
        services.AddSingleton<AccessDenials>();
        services.AddSingleton(new NightlyPacks(data));
        services.AddSingleton(new EvidenceExport(config, data, queryLog, securityEvents, library, identity, clock));
        var directory = config.Auth.Ldap is { } ldap ? new LdapDirectory(ldap) : null;
        services.AddSingleton(sp => new SignIn(identity, config.Auth, directory, securityEvents, sp.GetRequiredService<ILogger<SignIn>>()));
        services.AddSingleton(models);
        services.AddSingleton(library);
        services.AddSingleton(new SourceFiles(config, options.ConfigDirectory));
        services.AddSingleton<Answerer>();
        services.AddSingleton<IngestionJobs>();
        services.AddSingleton<FolderWatch>();
        services.AddHostedService(sp => sp.GetRequiredService<FolderWatch>());
        services.AddSingleton<JobRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<JobRunner>());
        services.AddSingleton<RequestMetrics>();
        services.AddSingleton<StreamClock>();
        services.AddSingleton<PageStrings>();
        services.AddSingleton<ConversationExport>();
        services.AddSingleton<AccessReportBuilder>();
        services.AddSingleton<AccessReportPdf>();
        services.AddSingleton<WebPage>();
        services.AddHostedService(sp => new Retention(queryLog, securityEvents, conversations, config.Privacy, clock, sp.GetRequiredService<ILogger<Retention>>()));
        services.AddHostedService<EvidenceSchedule>();
        services.AddProblemDetails();
        services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
            // States are names on the wire too ("ready", not 0): a client never needs our enum's order.
            o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.SnakeCaseLower));
        });
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddApplianceAuthentication(config.Auth, data);
        options.ConfigureServices?.Invoke(services);

        var app = builder.Build();
        app.Lifetime.ApplicationStopped.Register(() =>
        {
            // Streams have drained by now (Kestrel waited for them); a sync still running is stopped
            // before the library closes under it; then the models can go.
            app.Services.GetRequiredService<IngestionJobs>().StopAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
            library.Dispose();
            inference.DisposeAsync().AsTask().GetAwaiter().GetResult();
            loggers.Dispose();
        });
        if (options.InitialPassword is { } initial)
        {
            var given = await identity.SetMissingPasswordsAsync(initial, ct);
            if (given > 0)
                app.Logger.LogWarning("gave {Count} configured users without a password the initial password from APPLIANCE_INITIAL_PASSWORD (demo only)", given);
        }
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = ErrorBodies.WriteAsync });
        app.UseStatusCodePages(ErrorBodies.WriteStatusAsync);
        app.UseRouting();
        app.Use(app.Services.GetRequiredService<RequestMetrics>().Middleware);
        app.Use(app.Services.GetRequiredService<AccessDenials>().Middleware);
        app.UseAuthentication();
        app.UseMiddleware<CsrfGuard>();
        app.UseAuthorization();
        Routes.Map(app);
        return app;
    }

    private static void ConfigureLogging(ILoggingBuilder logging, AgentOptions options)
    {
        logging.ClearProviders();
        if (options.PlainLogs)
            logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        else
            logging.AddJsonConsole(o => { o.UseUtcTimestamp = true; o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'"; });
        logging.SetMinimumLevel(options.MinimumLogLevel);
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // A start that fails (a busy port) is reported by `serve` in one plain line; the host would add
        // the same failure as an error with a stack trace. Its critical messages still come through.
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
    }

    /// <summary>The addresses Kestrel actually bound (port 0 becomes a real port once started).</summary>
    public static IReadOnlyList<string> BoundAddresses(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
}
