namespace PolyglotAspire.AppHost.Infrastructure;

/// <summary>
/// Aspire passes a parent's state on to its children only for containers. Our children of executables and
/// projects (<c>ordersdb</c>, <c>clickhouse</c>) follow their parent here, for the life of the app: running
/// whenever the parent runs (which starts their health checks; the first time it also raises their
/// connection-string event), stopped whenever it stops, running again after a restart.
/// </summary>
internal static class ChildResourceLifecycle
{
    public static IResourceBuilder<T> FollowParentLifecycle<T>(this IResourceBuilder<T> child, IResource parent, string resourceType)
        where T : IResourceWithConnectionString
    {
        return child
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = resourceType,
                State = KnownResourceStates.NotStarted,
                Properties = [],
            })
            .OnInitializeResource(async (resource, e, ct) =>
            {
                var announced = false;
                string? mirrored = null;
                await foreach (var update in e.Notifications.WatchAsync(ct))
                {
                    if (update.Resource != parent || update.Snapshot.State?.Text is not { } state || state == mirrored)
                    {
                        continue;
                    }

                    if (state == KnownResourceStates.Running)
                    {
                        mirrored = state;
                        await e.Notifications.PublishUpdateAsync(resource, s => s with
                        {
                            State = KnownResourceStates.Running,
                            StartTimeStamp = DateTime.UtcNow,
                            StopTimeStamp = null,
                        });
                        if (!announced)
                        {
                            announced = true;
                            await e.Eventing.PublishAsync(new ConnectionStringAvailableEvent(resource, e.Services), ct);
                        }
                    }
                    else if (KnownResourceStates.TerminalStates.Contains(state))
                    {
                        mirrored = state;
                        await e.Notifications.PublishUpdateAsync(resource, s => s with
                        {
                            State = update.Snapshot.State,
                            StopTimeStamp = DateTime.UtcNow,
                        });
                    }
                }
            });
    }
}
