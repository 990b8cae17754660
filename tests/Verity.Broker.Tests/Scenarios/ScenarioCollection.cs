namespace Verity.Broker.Tests.Scenarios;

/// <summary>
/// The market scenarios run one class at a time: each class has its own chain and nodes (a PipelineFixture), and
/// real proving on a small machine is better not doubled up.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ScenarioCollection
{
    public const string Name = "broker market scenarios";
}
