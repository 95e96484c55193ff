import Glibc
import Testing

/// Every fixture table run through the real programs in the kernel.
@Suite(.enabled(if: getuid() == 0, "loading BPF programs needs root"))
struct VerdictFixtureTests {
    @Test("fixture gets its verdict and moves exactly its counter", arguments: VerdictFixture.all)
    func fixtureGetsItsVerdictAndCounter(_ fixture: VerdictFixture) throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(fixture.setup)
            let outcome = try datapath.run(fixture.hook, fixture.frame)
            #expect(outcome.retval == fixture.verdict)
            #expect(outcome.counted == [fixture.expectedCount])
        }
    }
}
