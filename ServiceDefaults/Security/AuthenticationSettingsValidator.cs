using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Refuses to start without a way to validate tokens: an authority, or a signing key long enough for HMAC-SHA256.</summary>
internal sealed class AuthenticationSettingsValidator : IValidateOptions<AuthenticationSettings>
{
    public ValidateOptionsResult Validate(string? name, AuthenticationSettings options)
    {
        var failures = new List<string>();
        if (options.UsesAuthority)
        {
            if (!Uri.TryCreate(options.Authority, UriKind.Absolute, out var authority))
            {
                failures.Add($"{AuthenticationSettings.SectionName}:Authority must be an absolute URI.");
            }
            else if (options.RequireHttpsMetadata && authority.Scheme != Uri.UriSchemeHttps)
            {
                failures.Add($"{AuthenticationSettings.SectionName}:Authority must use https.");
            }
        }
        else if (string.IsNullOrEmpty(options.SigningKey))
        {
            failures.Add($"Set {AuthenticationSettings.SectionName}:Authority (an identity provider) or {AuthenticationSettings.SectionName}:SigningKey " +
                         "(local runs: the AppHost passes its auth-signing-key parameter): without either no token can be validated.");
        }
        else if (options.SigningKey.Length < AuthenticationSettings.MinSigningKeyLength)
        {
            failures.Add($"{AuthenticationSettings.SectionName}:SigningKey must be at least {AuthenticationSettings.MinSigningKeyLength} characters (256 bits for HMAC-SHA256).");
        }

        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            failures.Add($"{AuthenticationSettings.SectionName}:Audience must not be empty.");
        }

        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{AuthenticationSettings.SectionName}:ClockSkew must be between 0 and 5 minutes.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
