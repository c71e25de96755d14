using ClickHouse.Emulator.ChDb;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace ClickHouse.Emulator.Http;

/// <summary>Registration of the engine and the ClickHouse HTTP endpoints.</summary>
public static class EmulatorEndpoints
{
    public static IServiceCollection AddClickHouseEmulator(this IServiceCollection services)
    {
        services.AddOptions<ChDbOptions>()
            .BindConfiguration(ChDbOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ChDbOptions>, ChDbOptionsValidator>();
        services.AddSingleton<ChDbEngine>();
        services.AddHostedService(sp => sp.GetRequiredService<ChDbEngine>());
        services.AddSingleton<ClickHouseHttpHandler>();
        services.Configure<KestrelServerOptions>(kestrel =>
        {
            // Inserts are streamed, so their size is not ours to cap (ClickHouse has no limit either);
            // the driver sends query parameters in the URL, which can be long.
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.MaxRequestLineSize = 8 * 1024 * 1024;
            kestrel.Limits.MaxRequestBufferSize = 16 * 1024 * 1024;
            kestrel.AddServerHeader = false;
        });
        return services;
    }

    public static IEndpointRouteBuilder MapClickHouseHttp(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/ping", ClickHouseHttpHandler.WriteOkAsync);
        endpoints.MapMethods("/", [HttpMethods.Get, HttpMethods.Post], (HttpContext context, ClickHouseHttpHandler handler) => handler.HandleAsync(context));
        return endpoints;
    }
}
