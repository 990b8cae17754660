namespace Verity.Cluster.Store;

/// <summary>One schema change: applied once, in version order, recorded in <c>schema_migrations</c>.</summary>
/// <param name="Version">1 for the initial schema, then consecutive.</param>
/// <param name="Name">A short description, stored with the version.</param>
/// <param name="Sql">The statements (in the store's dialect), run inside the migration transaction.</param>
public sealed record Migration(int Version, string Name, string Sql);
