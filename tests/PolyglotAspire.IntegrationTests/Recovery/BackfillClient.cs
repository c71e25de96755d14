using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace PolyglotAspire.IntegrationTests.Recovery;

/// <summary>Starts a backfill on Sync.Worker (<c>POST /api/admin/backfill</c>) and polls <c>GET</c> until it ends.</summary>
internal sealed class BackfillClient(HttpClient worker)
{
    public async Task<JsonElement> StartAsync(object body, CancellationToken ct)
    {
        using var response = await worker.PostAsJsonAsync("/api/admin/backfill", body, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"POST /api/admin/backfill answered {(int)response.StatusCode}: {text}");
        var status = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal("running", status.GetProperty("state").GetString());
        return status;
    }

    public Task<JsonElement> StatusAsync(CancellationToken ct) => worker.GetFromJsonAsync<JsonElement>("/api/admin/backfill", ct);

    /// <summary>Polls until the state is no longer <c>running</c>; asserts it is <c>done</c>.</summary>
    public async Task<JsonElement> WaitDoneAsync(CancellationToken ct)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(ct);
        patience.CancelAfter(TimeSpan.FromMinutes(3));
        var status = await StatusAsync(patience.Token);
        while (status.GetProperty("state").GetString() == "running")
        {
            await Task.Delay(200, patience.Token);
            status = await StatusAsync(patience.Token);
        }

        Assert.True(status.GetProperty("state").GetString() == "done", $"the backfill ended {status}");
        return status;
    }
}
