using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;

namespace CoServe.Data;

/// <summary>
/// A LINQ query that EF translates once (<see cref="EF.CompileAsyncQuery{TContext, TParam1, TResult}(Expression{Func{TContext, TParam1, IQueryable{TResult}}})"/>),
/// for the message path's reads, which run a few times per message: there, building the query's expression tree,
/// funcletising it and finding it in EF's query cache cost more than SQLite took to run the statement.
/// </summary>
/// <remarks>
/// EF binds a compiled query to the provider of the first context it runs on, and one process may serve both stores
/// (the tests do), so each query is compiled once per provider.
/// </remarks>
public sealed class HotQuery<TParam, TResult>
{
    private readonly Func<CoServeDb, TParam, IAsyncEnumerable<TResult>> _sqlite;
    private readonly Func<CoServeDb, TParam, IAsyncEnumerable<TResult>> _postgres;

    public HotQuery(Expression<Func<CoServeDb, TParam, IQueryable<TResult>>> query)
    {
        _sqlite = EF.CompileAsyncQuery(query);
        _postgres = EF.CompileAsyncQuery(query);
    }

    public Task<List<TResult>> ListAsync(CoServeDb db, TParam parameter, CancellationToken ct) =>
        HotQueries.ListAsync((db.IsSqlite ? _sqlite : _postgres)(db, parameter), ct);
}

/// <summary><see cref="HotQuery{TParam, TResult}"/> with two parameters.</summary>
public sealed class HotQuery<TParam1, TParam2, TResult>
{
    private readonly Func<CoServeDb, TParam1, TParam2, IAsyncEnumerable<TResult>> _sqlite;
    private readonly Func<CoServeDb, TParam1, TParam2, IAsyncEnumerable<TResult>> _postgres;

    public HotQuery(Expression<Func<CoServeDb, TParam1, TParam2, IQueryable<TResult>>> query)
    {
        _sqlite = EF.CompileAsyncQuery(query);
        _postgres = EF.CompileAsyncQuery(query);
    }

    public Task<List<TResult>> ListAsync(CoServeDb db, TParam1 first, TParam2 second, CancellationToken ct) =>
        HotQueries.ListAsync((db.IsSqlite ? _sqlite : _postgres)(db, first, second), ct);
}

internal static class HotQueries
{
    public static async Task<List<T>> ListAsync<T>(IAsyncEnumerable<T> rows, CancellationToken ct)
    {
        var list = new List<T>();
        await foreach (var row in rows.WithCancellation(ct)) list.Add(row);
        return list;
    }
}
