import Testing
import TestSupport

extension NetworkPolicyConformance {
    /// What `ports` admits: numbers, protocols (TCP by default), `endPort`
    /// ranges, and named ports resolved against each destination pod's own
    /// container ports.
    @Suite(.conformanceCluster)
    struct Ports {
        /// A policy in x letting everyone reach x/a on `ports` (a YAML flow sequence).
        private static func toA(on ports: String) -> [Policy] {
            [Policy("a-ports", in: "x", """
                podSelector: {matchLabels: {pod: a}}
                ingress: [{ports: \(ports)}]
                """)]
        }

        private static func everyoneToA(on ports: Set<ProbePort>) -> Expectation {
            Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: .all, on: ports)
        }

        @Test func numericPortAdmitsOnlyThatPortAndProtocol() throws {
            try ConformanceCluster.inUse().check(
                policies: Self.toA(on: "[{protocol: TCP, port: 80}]"), families: .dualStack,
                expect: Self.everyoneToA(on: [.tcp80]))
        }

        @Test func portWithoutProtocolMeansTCP() throws {
            try ConformanceCluster.inUse().check(
                policies: Self.toA(on: "[{port: 81}]"),
                expect: Self.everyoneToA(on: [.tcp81]))
        }

        @Test func udpPortLeavesTCPOnTheSameNumberDenied() throws {
            try ConformanceCluster.inUse().check(
                policies: Self.toA(on: "[{protocol: UDP, port: 81}]"), families: .dualStack,
                expect: Self.everyoneToA(on: [.udp81]))
        }

        @Test func protocolWithoutPortAdmitsEveryPortOfIt() throws {
            try ConformanceCluster.inUse().check(
                policies: Self.toA(on: "[{protocol: UDP}]"),
                expect: Self.everyoneToA(on: ProbePort.udp))
        }

        @Test func endPortRangeAdmitsBothEnds() throws {
            try ConformanceCluster.inUse().check(
                policies: Self.toA(on: "[{protocol: TCP, port: 80, endPort: 81}]"), families: .dualStack,
                expect: Self.everyoneToA(on: ProbePort.tcp))
        }

        @Test func endPortRangeEndingAtAPortStopsThere() throws {
            try ConformanceCluster.inUse().check(
                policies: Self.toA(on: "[{protocol: UDP, port: 1, endPort: 80}]"),
                expect: Self.everyoneToA(on: [.udp80]))
        }

        @Test func endPortRangeStartingAtAPortStartsThere() throws {
            try ConformanceCluster.inUse().check(
                policies: Self.toA(on: "[{protocol: TCP, port: 81, endPort: 65535}]"),
                expect: Self.everyoneToA(on: [.tcp81]))
        }

        @Test func severalPortEntriesAreUnioned() throws {
            try ConformanceCluster.inUse().check(
                policies: Self.toA(on: "[{protocol: TCP, port: 80}, {protocol: UDP, port: 81}]"),
                expect: Self.everyoneToA(on: [.tcp80, .udp81]))
        }

        @Test func namedPortResolvesToTheContainerPort() throws {
            try ConformanceCluster.inUse().check(
                policies: Self.toA(on: "[{port: serve-81-tcp}]"),
                expect: Self.everyoneToA(on: [.tcp81]))
        }

        @Test func namedUDPPortResolvesToTheContainerPort() throws {
            try ConformanceCluster.inUse().check(
                policies: Self.toA(on: "[{protocol: UDP, port: serve-80-udp}]"), families: .dualStack,
                expect: Self.everyoneToA(on: [.udp80]))
        }

        @Test func namedPortOfAnotherProtocolMatchesNothing() throws {
            try ConformanceCluster.inUse().check(
                policies: Self.toA(on: "[{protocol: TCP, port: serve-80-udp}]"),
                expect: Self.everyoneToA(on: []))
        }

        @Test func namedPortResolvesPerPodWherePodsNumberItDifferently() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("web", in: "x", """
                    podSelector: {}
                    ingress: [{ports: [{port: web}]}]
                    """)],
                families: .dualStack,
                adjust: { spec in
                    spec.name(.tcp80, of: "x/a", "web")
                    spec.name(.tcp81, of: "x/b", "web")
                },
                expect: Expectation().isolatingIngress(of: "x/*")
                    .allowingIngress(to: "x/a", from: .all, on: [.tcp80])
                    .allowingIngress(to: "x/b", from: .all, on: [.tcp81]))
        }

        @Test func portsOfARuleApplyOnlyToItsOwnPeers() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-per-rule-ports", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    ingress:
                      - from: [{namespaceSelector: {matchLabels: {ns: y}}}]
                        ports: [{protocol: UDP, port: 80, endPort: 81}]
                      - from: [{namespaceSelector: {matchLabels: {ns: z}}}]
                        ports: [{protocol: TCP, port: serve-80-tcp}]
                    """)],
                expect: Expectation().isolatingIngress(of: "x/a")
                    .allowingIngress(to: "x/a", from: "y/*", on: ProbePort.udp)
                    .allowingIngress(to: "x/a", from: "z/*", on: [.tcp80]))
        }
    }
}
