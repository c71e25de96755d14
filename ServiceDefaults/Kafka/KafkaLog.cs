using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.Hosting;

internal static partial class KafkaLog
{
    public static void Forward(ILogger logger, LogMessage message)
    {
        var level = (LogLevel)message.LevelAs(LogLevelType.MicrosoftExtensionsLogging);
        if (logger.IsEnabled(level))
        {
            Client(logger, level, message.Name, message.Facility, message.Message);
        }
    }

    [LoggerMessage(Message = "{Client} {Facility}: {Text}")]
    private static partial void Client(ILogger logger, LogLevel level, string client, string facility, string text);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka client error {Code}: {Reason} (fatal: {IsFatal})")]
    public static partial void Error(ILogger logger, ErrorCode code, string reason, bool isFatal);
}
