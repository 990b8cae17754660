using Dapper;
using Microsoft.Data.Sqlite;
using Verity.Aztec.Protocol;
using Verity.Aztec.Store;

namespace Verity.Aztec.Tests.Protocol;

/// <summary>
/// The pick of the next job walks the queue index on SQLite. Left to its planner, SQLite took the epoch index and read
/// every job of the epoch, inputs included, for every pick: quadratic in the queue (docs/PERFORMANCE.md, "Aztec endpoint").
/// </summary>
public sealed class QueryPlanTests
{
    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 16, 4 })]
    public async Task The_pick_uses_the_queue_index_on_SQLite(int[] allowList)
    {
        string path = Path.Combine(Path.GetTempPath(), "verity-aztec-plan-" + Guid.NewGuid().ToString("N") + ".db");
        try
        {
            await using (var store = new SqliteAztecJobStore(path)) await store.MigrateAsync();
            await using var c = new SqliteConnection($"Data Source={path};Pooling=false");
            await c.OpenAsync();
            string sql = AztecTransaction.PickSql(AztecSqlDialect.Sqlite, new ProvingJobFilter([.. allowList.Select(t => (ProvingRequestType)t)]));
            var rows = c.Query($"EXPLAIN QUERY PLAN {sql}", new { oldestEpoch = 0L, exclude = (string?)null });
            string plan = string.Join("\n", rows.Select(r => (string)((IDictionary<string, object>)r)["detail"]));
            Assert.Contains("aztec_jobs_queue", plan);
            Assert.DoesNotContain("TEMP B-TREE", plan); // no sort: the index gives the order
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            File.Delete(path);
        }
    }
}
