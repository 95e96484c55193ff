import CSluiceBPF
import Model
import Testing
@testable import Planner

/// NodePort services as frontends on "any node address" (the all-zero address).
struct ServicePlannerNodePortTests {
    static func nodePortService(_ name: String, nodePort: Int, clusterIP: String = "10.96.0.20") -> String {
        """
        apiVersion: v1
        kind: Service
        metadata: {name: \(name)}
        spec:
          type: NodePort
          clusterIPs: [\(clusterIP), "fd00:96::20"]
          selector: {app: web}
          ports:
            - {name: http, port: 80, targetPort: http, nodePort: \(nodePort)}
        ---

        """
    }

    @Test func aNodePortGetsAFrontendPerFamilyThatSharesTheClusterIPService() throws {
        let planned = try ServicePlannerTests.plan(Self.nodePortService("web", nodePort: 30080)
            + ServicePlannerTests.backendPod("a", ip: "10.244.1.1", ipv6: "fd00:244::1"))
        let clusterV4 = try #require(planned.frontends[try ServicePlannerTests.key("10.96.0.20", 80)])
        let clusterV6 = try #require(planned.frontends[try ServicePlannerTests.key("fd00:96::20", 80)])
        let nodeV4 = try #require(planned.frontends[ServicePlanner.nodePortKey(30080, family: .v4, protocol: .tcp)])
        let nodeV6 = try #require(planned.frontends[ServicePlanner.nodePortKey(30080, family: .v6, protocol: .tcp)])
        #expect(nodeV4 == clusterV4)
        #expect(nodeV6 == clusterV6)
        #expect(planned.frontends.count == 4)
        let key = ServicePlanner.nodePortKey(30080, family: .v4, protocol: .tcp)
        #expect(withUnsafeBytes(of: key.addr) { $0.allSatisfy { $0 == 0 } })
        #expect(key.port == UInt16(30080).bigEndian)
    }

    @Test func aClusterIPServiceGetsNoNodePortFrontend() throws {
        let planned = try ServicePlannerTests.plan(ServicePlannerTests.webService
            + ServicePlannerTests.backendPod("a", ip: "10.244.1.1", ipv6: "fd00:244::1"))
        #expect(!planned.frontends.keys.contains { key in withUnsafeBytes(of: key.addr) { $0.allSatisfy { $0 == 0 } } })
    }

    @Test func aNodePortClaimedTwiceStaysWithTheFirstServiceAndWarns() throws {
        let planned = try ServicePlannerTests.plan(Self.nodePortService("alpha", nodePort: 30090)
            + Self.nodePortService("beta", nodePort: 30090, clusterIP: "10.96.0.21")
            + ServicePlannerTests.backendPod("a", ip: "10.244.1.1", ipv6: "fd00:244::1"))
        let alpha = try #require(planned.frontends[try ServicePlannerTests.key("10.96.0.20", 80)])
        let node = try #require(planned.frontends[ServicePlanner.nodePortKey(30090, family: .v4, protocol: .tcp)])
        #expect(node.service_id == alpha.service_id)
        #expect(planned.warnings.contains { $0.contains("nodePort 30090 already used") })
    }
}
