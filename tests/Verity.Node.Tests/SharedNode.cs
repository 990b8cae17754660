namespace Verity.Node.Tests;

/// <summary>
/// One node shared by the tests of a class (xUnit class fixture), for tests that only send requests the node refuses:
/// they leave nothing behind, so they need no node of their own and the suite stays fast.
/// </summary>
public sealed class SharedNode : IAsyncLifetime
{
    private TestNode? _node;

    internal TestNode Node => _node ?? throw new InvalidOperationException("the shared node is not started");

    public async Task InitializeAsync() => _node = await TestNode.StartAsync();

    public async Task DisposeAsync()
    {
        if (_node != null) await _node.DisposeAsync();
    }
}
