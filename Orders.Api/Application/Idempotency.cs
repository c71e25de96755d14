using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using PolyglotAspire.OrdersApi.Data;
using PolyglotAspire.OrdersApi.Domain;

namespace PolyglotAspire.OrdersApi.Application;

/// <summary>
/// The <c>Idempotency-Key</c> rules of order creation, in one place: which keys are valid, what makes a retry the
/// same request, and what a key used before answers. The key is stored in the order's own transaction
/// (<see cref="OrderStore.CreateAsync"/>, whose unique index arbitrates concurrent retries) and forgotten after
/// <see cref="OrdersOptions.IdempotencyKeyRetention"/> (<see cref="IdempotencyKeyJanitor"/>).
/// </summary>
public static class Idempotency
{
    public const int MaxKeyLength = 255;

    /// <summary>An <c>Idempotency-Key</c>: 1–255 visible ASCII characters.</summary>
    public static bool IsValidKey(string key)
    {
        if (key.Length is 0 or > MaxKeyLength)
        {
            return false;
        }

        foreach (var c in key)
        {
            if (c is < '!' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// SHA-256 of a validated order in a canonical binary form (length-prefixed UTF-8 strings, amounts in
    /// hundredths), so that an idempotent retry matches whatever its JSON whitespace, field order or number spelling
    /// (<c>1.5</c> vs <c>1.50</c>), while any change of meaning does not.
    /// </summary>
    public static byte[] Fingerprint(NewOrder order)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> number = stackalloc byte[8];
        AppendString(hash, order.CustomerId);
        AppendString(hash, order.Region);
        AppendString(hash, order.Currency);
        BinaryPrimitives.WriteInt64BigEndian(number, order.Lines.Count);
        hash.AppendData(number);
        foreach (var line in order.Lines)
        {
            AppendString(hash, line.Sku);
            BinaryPrimitives.WriteInt64BigEndian(number, line.Quantity);
            hash.AppendData(number);
            BinaryPrimitives.WriteInt64BigEndian(number, Money.ToCents(line.UnitPrice));
            hash.AppendData(number);
        }

        return hash.GetHashAndReset();
    }

    /// <summary>A key used before: the same request gets the first answer again, another request a 422.</summary>
    public static CreateOutcome OutcomeOfReuse(IdempotencyRecord earlier, byte[] fingerprint) =>
        earlier.RequestHash.AsSpan().SequenceEqual(fingerprint) ? CreateOutcome.Replayed : CreateOutcome.KeyReused;

    private static void AppendString(IncrementalHash hash, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        hash.AppendData(length);
        hash.AppendData(bytes);
    }
}
