namespace PolyglotAspire.AppHost.Infrastructure;

internal static class LocalTelemetry
{
    /// <summary>
    /// In run mode the OTLP endpoint is the dashboard, which stops together with the services: with the exporter's
    /// default 10 s timeout, each service then spends ~10 s retrying at shutdown (measured). A local dashboard
    /// answers in milliseconds, so a 1 s bound loses nothing and lets Ctrl-C finish in seconds.
    /// </summary>
    public static IDistributedApplicationBuilder BoundTelemetryExportForRunMode(this IDistributedApplicationBuilder builder)
    {
        if (builder.ExecutionContext.IsRunMode)
        {
            foreach (var project in builder.Resources.OfType<ProjectResource>())
            {
                builder.CreateResourceBuilder(project).WithEnvironment("OTEL_EXPORTER_OTLP_TIMEOUT", "1000");
            }
        }

        return builder;
    }
}
