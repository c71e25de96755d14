using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using PolyglotAspire.OrdersApi.Domain;

namespace PolyglotAspire.OrdersApi.Apis;

/// <summary>
/// The validation rules of the write API, pure (no I/O) so they are unit-tested exhaustively. Errors are keyed by
/// JSON path (<c>lines[2].quantity</c>) for <c>ValidationProblem</c>; every rule violated is reported, not just the first.
/// </summary>
public static class OrderValidation
{
    public const int MaxCustomerIdLength = 64;
    public const int MaxRegionLength = 32;
    public const int MaxSkuLength = 64;
    public const int MinLines = 1;
    public const int MaxLines = 100;
    public const int MinQuantity = 1;
    public const int MaxQuantity = 10_000;

    public static bool TryValidate(CreateOrderRequest request, [NotNullWhen(true)] out NewOrder? order, out Dictionary<string, string[]> errors)
    {
        var problems = new Errors();
        var customerId = Text(problems, "customerId", request.CustomerId, MaxCustomerIdLength);

        string? region = null;
        if (string.IsNullOrEmpty(request.Region))
        {
            problems.Add("region", "The region is required.");
        }
        else if (!TextRules.IsIdentifier(request.Region, MaxRegionLength))
        {
            problems.Add("region", $"The region must be 1 to {MaxRegionLength} characters of A-Z, a-z, 0-9, '-' and '_'.");
        }
        else
        {
            region = request.Region;
        }

        string? currency = null;
        if (string.IsNullOrEmpty(request.Currency))
        {
            problems.Add("currency", "The currency is required.");
        }
        else if (!Currencies.IsIso4217(request.Currency))
        {
            problems.Add("currency", "The currency must be an ISO 4217 code in capitals, e.g. 'EUR'.");
        }
        else
        {
            currency = request.Currency;
        }

        var lines = new List<OrderLine>(Math.Min(request.Lines?.Count ?? 0, MaxLines));
        var total = 0m;
        if (request.Lines is null)
        {
            problems.Add("lines", "The lines are required.");
        }
        else if (request.Lines.Count is < MinLines or > MaxLines)
        {
            problems.Add("lines", $"An order has {MinLines} to {MaxLines} lines; this one has {request.Lines.Count}.");
        }
        else
        {
            for (var i = 0; i < request.Lines.Count; i++)
            {
                var prefix = string.Create(CultureInfo.InvariantCulture, $"lines[{i}]");
                if (request.Lines[i] is not { } line)
                {
                    problems.Add(prefix, "A line cannot be null.");
                    continue;
                }

                var sku = Text(problems, prefix + ".sku", line.Sku, MaxSkuLength);
                var quantityOk = true;
                if (line.Quantity is not { } quantity)
                {
                    problems.Add(prefix + ".quantity", "The quantity is required.");
                    quantityOk = false;
                    quantity = 0;
                }
                else if (quantity is < MinQuantity or > MaxQuantity)
                {
                    problems.Add(prefix + ".quantity", $"The quantity must be between {MinQuantity} and {MaxQuantity:N0}.");
                    quantityOk = false;
                }

                var priceOk = true;
                if (line.UnitPrice is not { } price)
                {
                    problems.Add(prefix + ".unitPrice", "The unit price is required.");
                    priceOk = false;
                    price = 0;
                }
                else if (price < 0 || price > Money.MaxUnitPrice)
                {
                    problems.Add(prefix + ".unitPrice", $"The unit price must be between 0 and {Money.MaxUnitPrice:N0}.");
                    priceOk = false;
                }
                else if (!Money.HasAtMostTwoDecimals(price))
                {
                    problems.Add(prefix + ".unitPrice", "The unit price has at most 2 decimals.");
                    priceOk = false;
                }

                if (sku is not null && quantityOk && priceOk)
                {
                    var unitPrice = Money.Normalize(price);
                    lines.Add(new OrderLine(sku, quantity, unitPrice));
                    total += quantity * unitPrice;
                }
            }
        }

        errors = problems.ToDictionary();
        if (errors.Count > 0 || customerId is null || region is null || currency is null)
        {
            order = null;
            return false;
        }

        order = new NewOrder(customerId, region, currency, lines, Money.Normalize(total));
        return true;
    }

    public static bool TryValidate(ChangeStatusRequest request, out OrderStatus status, out Dictionary<string, string[]> errors)
    {
        var problems = new Errors();
        status = default;
        if (string.IsNullOrEmpty(request.Status))
        {
            problems.Add("status", "The status is required.");
        }
        else if (!OrderStatuses.TryParse(request.Status, out status))
        {
            problems.Add("status", "The status must be one of: " + string.Join(", ", OrderStatuses.Names) + ".");
        }

        errors = problems.ToDictionary();
        return errors.Count == 0;
    }

    private static string? Text(Errors problems, string field, string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            problems.Add(field, $"The {Describe(field)} is required.");
            return null;
        }

        if (value.Length > maxLength)
        {
            problems.Add(field, $"The {Describe(field)} has at most {maxLength} characters.");
            return null;
        }

        if (!TextRules.IsCleanText(value))
        {
            problems.Add(field, $"The {Describe(field)} must be printable text without control characters or surrounding spaces.");
            return null;
        }

        return value;
    }

    private static string Describe(string field) => field switch
    {
        "customerId" => "customer id",
        _ when field.EndsWith(".sku", StringComparison.Ordinal) => "SKU",
        _ => field,
    };

    private sealed class Errors
    {
        private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

        public void Add(string field, string message)
        {
            if (!_errors.TryGetValue(field, out var list))
            {
                _errors[field] = list = [];
            }

            list.Add(message);
        }

        public Dictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
    }
}
