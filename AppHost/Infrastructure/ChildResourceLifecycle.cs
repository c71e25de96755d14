namespace PolyglotAspire.AppHost.Infrastructure;

/// <summary>
/// Aspire passes a parent's state on to its children only for containers. Our children of executables and
/// projects (<c>ordersdb</c>, <c>clickhouse</c>) follow their parent here: running once the parent runs (which
/// starts their health checks and raises their connection-string event), exited once it stops.
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
                await e.Notifications.WaitForResourceAsync(parent.Name, r => r.Snapshot.State?.Text == KnownResourceStates.Running, ct);
                await e.Notifications.PublishUpdateAsync(resource, s => s with
                {
                    State = KnownResourceStates.Running,
                    StartTimeStamp = DateTime.UtcNow,
                });
                await e.Eventing.PublishAsync(new ConnectionStringAvailableEvent(resource, e.Services), ct);

                var stopped = await e.Notifications.WaitForResourceAsync(parent.Name,
                    r => r.Snapshot.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state), ct);
                await e.Notifications.PublishUpdateAsync(resource, s => s with
                {
                    State = stopped.Snapshot.State,
                    StopTimeStamp = DateTime.UtcNow,
                });
            });
    }
}
