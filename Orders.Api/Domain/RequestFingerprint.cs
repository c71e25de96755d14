using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using PolyglotAspire.OrdersApi.Apis;

namespace PolyglotAspire.OrdersApi.Domain;

/// <summary>
/// SHA-256 of a validated create request in a canonical binary form (length-prefixed UTF-8 strings, amounts in
/// hundredths), so that an idempotent retry matches whatever its JSON whitespace, field order or number spelling
/// (<c>1.5</c> vs <c>1.50</c>), while any change of meaning does not.
/// </summary>
public static class RequestFingerprint
{
    public static byte[] Compute(NewOrder order)
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

    private static void AppendString(IncrementalHash hash, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        hash.AppendData(length);
        hash.AppendData(bytes);
    }
}
