namespace PolyglotAspire.Load.Scenarios;

/// <summary>
/// Sees every request of an observed <see cref="OrderWriteLoad"/>. In an observed load every order has its own
/// customer id, known before the request is sent, so an observer can look for the order anywhere (PostgreSQL,
/// ClickHouse, a mirror) without waiting for the API's answer to learn its id.
/// </summary>
internal interface IWriteObserver
{
    /// <summary>Called just before the request that creates the order for <paramref name="customerId"/> is sent.</summary>
    void Sending(string customerId);

    /// <summary>Called with the API's answer (its body already read), or null when the request failed without one.</summary>
    void Answered(string customerId, HttpResponseMessage? response);
}
