import Foundation
import Glibc
import Testing
import TestSupport

/// Started with a soft open-file limit below what it needs (256; systemd gives services 1024),
/// the agent raises it to the hard limit: a first sync of several hundred services holds a descriptor per new
/// Maglev table until it swaps them in.
@Suite(.enabled(if: getuid() == 0, "runs sluiced on network namespaces: needs root"), .serialized)
struct OpenFileLimitTests {
    private static let services = 400

    private static func services(_ count: Int) -> String {
        (0..<count).map { index in
            """
            apiVersion: v1
            kind: Service
            metadata: {name: s\(index), annotations: {sluice.dev/health-check: none}}
            spec:
              clusterIP: 10.96.\(index / 256).\(index % 256)
              ports: [{name: http, port: 80}]
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: s\(index)-1, labels: {kubernetes.io/service-name: s\(index)}}
            addressType: IPv4
            endpoints: [{addresses: [10.203.\(index / 256).\(index % 256)]}]
            ports: [{name: http, protocol: TCP, port: 8080}]

            """
        }.joined(separator: "---\n")
    }

    @Test func theSoftLimitIsRaisedSoAFirstSyncOfManyTablesSucceeds() throws {
        let topology = try makeTopology(podNames: ["client"])
        defer { topology.teardown() }
        var hard = rlimit()
        try #require(getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &hard) == 0)
        try #require(hard.rlim_max > 1024, "the hard limit must leave room to raise the soft one")
        let agent = try RunningAgent(topology: topology, files: ["services.yaml": Self.services(Self.services)],
                                     launcher: ["prlimit", "--nofile=256:\(hard.rlim_max)", "--"])
        defer { agent.teardown() }
        let limit = try #require(agent.limit("Max open files"))
        #expect(limit.split(separator: " ", omittingEmptySubsequences: true).suffix(3).first == "\(hard.rlim_max)", "\(limit)")
        #expect(agent.log.contains("open file limit raised"))
        #expect(try eventually { agent.log.contains("tables=+\(Self.services) -0") }, "\(agent.log.suffix(2000))")
        #expect(!agent.log.contains("sync failed"))
    }
}
