import Testing

/// Gives a suite section its own `ConformanceCluster`: built once before the
/// section's first scenario and torn down after its last, also when a scenario
/// fails or the build itself throws halfway.
struct ConformanceClusterTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let cluster = try ConformanceCluster.make()
        defer { cluster.teardown() }
        try await ConformanceCluster.$current.withValue(cluster) {
            try await function()
        }
    }
}

extension Trait where Self == ConformanceClusterTrait {
    /// One conformance cluster for the whole suite section.
    static var conformanceCluster: Self { Self() }
}
