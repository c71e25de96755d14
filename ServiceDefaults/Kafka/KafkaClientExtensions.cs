using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// A thin equivalent of Aspire.Confluent.Kafka: registers a singleton <see cref="IProducer{TKey,TValue}"/> or
/// <see cref="IConsumer{TKey,TValue}"/> from the <c>kafka</c> connection string plus a configuration section,
/// with a broker health check, librdkafka logs routed to <see cref="ILogger"/> and statistics published as
/// Aspire.Confluent.Kafka's metrics (<see cref="KafkaStatisticsMetrics"/>).
/// </summary>
public static class KafkaClientExtensions
{
    public const string ProducerSectionName = "Aspire:Confluent:Kafka:Producer";
    public const string ConsumerSectionName = "Aspire:Confluent:Kafka:Consumer";

    /// <summary>How often librdkafka emits statistics when metrics are on (Aspire.Confluent.Kafka uses the same default).</summary>
    private const int StatisticsIntervalMs = 1000;

    public static IHostApplicationBuilder AddKafkaProducer<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<KafkaProducerSettings>? configureSettings = null,
        Action<IServiceProvider, ProducerBuilder<TKey, TValue>>? configureBuilder = null)
    {
        var settings = new KafkaProducerSettings();
        var section = Bind(builder, ProducerSectionName, connectionName, settings, settings.Config);
        settings.ConnectionString = builder.Configuration.GetConnectionString(connectionName) ?? settings.ConnectionString;
        configureSettings?.Invoke(settings);
        var config = Consolidate(settings.Config, settings.ConnectionString, settings.DisableMetrics, connectionName, section);

        builder.Services.AddSingleton<IProducer<TKey, TValue>>(sp =>
        {
            var producerBuilder = new ProducerBuilder<TKey, TValue>(config);
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("PolyglotAspire.Kafka.Producer");
            producerBuilder.SetLogHandler((_, m) => KafkaLog.Forward(logger, m));
            producerBuilder.SetErrorHandler((_, e) => KafkaLog.Error(logger, e.Code, e.Reason, e.IsFatal));
            if (!settings.DisableMetrics)
            {
                var metrics = sp.GetRequiredService<KafkaStatisticsMetrics>();
                producerBuilder.SetStatisticsHandler((_, json) => metrics.Record(json));
            }

            configureBuilder?.Invoke(sp, producerBuilder);
            return producerBuilder.Build();
        });

        AddCommon(builder, settings.DisableMetrics);
        if (!settings.DisableHealthChecks)
        {
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
                $"kafka-producer-{connectionName}",
                sp => new KafkaBrokerHealthCheck(sp.GetRequiredService<IProducer<TKey, TValue>>().Handle),
                failureStatus: null,
                tags: ["ready"]));
        }

        return builder;
    }

    public static IHostApplicationBuilder AddKafkaConsumer<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<KafkaConsumerSettings>? configureSettings = null,
        Action<IServiceProvider, ConsumerBuilder<TKey, TValue>>? configureBuilder = null)
    {
        var settings = new KafkaConsumerSettings();
        var section = Bind(builder, ConsumerSectionName, connectionName, settings, settings.Config);
        settings.ConnectionString = builder.Configuration.GetConnectionString(connectionName) ?? settings.ConnectionString;
        configureSettings?.Invoke(settings);
        var config = Consolidate(settings.Config, settings.ConnectionString, settings.DisableMetrics, connectionName, section);
        if (string.IsNullOrEmpty(settings.Config.GroupId))
        {
            throw new InvalidOperationException($"No consumer group id: set '{section}:Config:GroupId' or configure it in code.");
        }

        builder.Services.AddSingleton<IConsumer<TKey, TValue>>(sp =>
        {
            var consumerBuilder = new ConsumerBuilder<TKey, TValue>(config);
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("PolyglotAspire.Kafka.Consumer");
            consumerBuilder.SetLogHandler((_, m) => KafkaLog.Forward(logger, m));
            consumerBuilder.SetErrorHandler((_, e) => KafkaLog.Error(logger, e.Code, e.Reason, e.IsFatal));
            if (!settings.DisableMetrics)
            {
                var metrics = sp.GetRequiredService<KafkaStatisticsMetrics>();
                consumerBuilder.SetStatisticsHandler((_, json) => metrics.Record(json));
            }

            configureBuilder?.Invoke(sp, consumerBuilder);
            return consumerBuilder.Build();
        });

        AddCommon(builder, settings.DisableMetrics);
        if (!settings.DisableHealthChecks)
        {
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
                $"kafka-consumer-{connectionName}",
                sp => new KafkaBrokerHealthCheck(sp.GetRequiredService<IConsumer<TKey, TValue>>().Handle),
                failureStatus: null,
                tags: ["ready"]));
        }

        return builder;
    }

    private static string Bind(IHostApplicationBuilder builder, string sectionName, string connectionName, object settings, ClientConfig config)
    {
        // The shared section first, then the one named after the connection, as Aspire.Confluent.Kafka does.
        // Config is bound by hand: the binder cannot bind ClientConfig through a get-only property (dotnet/runtime#96652).
        var section = builder.Configuration.GetSection(sectionName);
        var named = section.GetSection(connectionName);
        section.Bind(settings);
        named.Bind(settings);
        section.GetSection("Config").Bind(config);
        named.GetSection("Config").Bind(config);
        return sectionName;
    }

    private static ClientConfig Consolidate(
        ClientConfig config, string? connectionString, bool disableMetrics, string connectionName, string section)
    {
        if (!string.IsNullOrEmpty(connectionString))
        {
            config.BootstrapServers = connectionString;
        }

        if (string.IsNullOrEmpty(config.BootstrapServers))
        {
            throw new InvalidOperationException(
                $"No Kafka bootstrap servers: set the connection string '{connectionName}' or '{section}:ConnectionString'.");
        }

        if (!disableMetrics)
        {
            config.StatisticsIntervalMs ??= StatisticsIntervalMs;
        }

        return config;
    }

    private static void AddCommon(IHostApplicationBuilder builder, bool disableMetrics)
    {
        if (!disableMetrics)
        {
            // Subscribed here rather than in ConfigureOpenTelemetry, as Aspire.Confluent.Kafka does: the meter is theirs.
            builder.Services.TryAddSingleton<KafkaStatisticsMetrics>();
            builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(KafkaStatisticsMetrics.MeterName));
        }
    }
}
