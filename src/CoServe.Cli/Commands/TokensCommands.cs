using System.CommandLine;
using System.Globalization;
using CoServe.Features.Security;
using Microsoft.Extensions.DependencyInjection;

namespace CoServe.Cli.Commands;

internal static class TokensCommands
{
    public static Command Create()
    {
        var tokens = new Command("tokens", "API bearer tokens for staff accounts");

        var user = new Option<string>("--user") { Description = "Staff login", Required = true };
        var expires = new Option<string?>("--expires") { Description = "Lifetime such as 30m, 12h, 1d, 4w, or never (default 30d)", DefaultValueFactory = _ => "30d" };
        var label = new Option<string?>("--label") { Description = "What the token is for" };
        var create = new Command("create", "Create a token; it is printed once and stored only as a hash");
        create.Options.Add(user);
        create.Options.Add(expires);
        create.Options.Add(label);
        create.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            var lifetime = ApiTokens.ParseLifetime(parse.GetValue(expires));
            var issued = await sp.GetRequiredService<ApiTokens>().CreateAsync(parse.GetValue(user)!, lifetime, parse.GetValue(label), ct);
            Console.WriteLine(issued.Token);
            Console.Error.WriteLine($"token {issued.Id} for {issued.Login}, expires {(issued.ExpiresAt is { } e ? e.ToString("u", CultureInfo.InvariantCulture) : "never")}; store it now, it cannot be shown again");
            return 0;
        }, ct));

        var listUser = new Option<string?>("--user") { Description = "Only this staff login" };
        var list = new Command("list", "List tokens (never their values)");
        list.Options.Add(listUser);
        list.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            foreach (var t in await sp.GetRequiredService<ApiTokens>().ListAsync(parse.GetValue(listUser), ct))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{t.Id}\t{t.Login}\t{t.Prefix}…\t{t.Label}\tcreated {t.CreatedAt:u}\texpires {(t.ExpiresAt is { } x ? x.ToString("u", CultureInfo.InvariantCulture) : "never")}\t{(t.RevokedAt is null ? "" : "revoked")}"));
            }
            return 0;
        }, ct));

        var id = new Argument<long>("ID") { Description = "Token id from tokens list" };
        var revoke = new Command("revoke", "Revoke a token at once");
        revoke.Arguments.Add(id);
        revoke.SetAction((parse, ct) => CliHost.RunAsync(parse, async sp =>
        {
            if (!await sp.GetRequiredService<ApiTokens>().RevokeAsync(parse.GetValue(id), ct))
            {
                Console.Error.WriteLine($"error: no token {parse.GetValue(id)}");
                return 1;
            }
            Console.WriteLine($"token {parse.GetValue(id)} revoked");
            return 0;
        }, ct));

        tokens.Subcommands.Add(create);
        tokens.Subcommands.Add(list);
        tokens.Subcommands.Add(revoke);
        return tokens;
    }
}
