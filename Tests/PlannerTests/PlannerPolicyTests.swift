import CSluiceBPF
import Model
import Planner
import Testing

private let threePods = pod("frontend", labels: ["app": "frontend"], ip: "10.0.0.10")
    + pod("backend", labels: ["app": "backend"], ip: "10.0.0.20", ports: [("http", 8080)])
    + pod("other", labels: ["app": "other"], ip: "10.0.0.30")

@Suite struct PlannerPolicyTests {
    @Test func podsWithoutPoliciesAreNotEnforcedAndAllShareTheWorldIdentity() throws {
        let state = try plan(threePods)
        #expect(state.endpoints.count == 3)
        #expect(state.endpoints.allSatisfy { $0.flags == 0 })
        #expect(state.policy.isEmpty)
        #expect(state.identity(of: "10.0.0.10") == world)
        // Two default routes and three pods.
        #expect(state.ipcache.count == 5)
    }

    @Test func ingressFromPodSelectorAllowsOnlyThatPodsIdentityOnTheNamedPort() throws {
        let state = try plan(threePods + policy("""
              podSelector: {matchLabels: {app: backend}}
              ingress:
                - from: [{podSelector: {matchLabels: {app: frontend}}}]
                  ports: [{port: http}]
            """))
        let backend = try #require(state.endpoint("default", "backend"))
        let frontendIdentity = try #require(state.identity(of: "10.0.0.10"))
        #expect(backend.flags == enforceIngress)
        #expect(frontendIdentity >= UInt32(SLUICE_IDENTITY_FIRST.rawValue))
        #expect(state.identity(of: "10.0.0.30") == world)
        #expect(state.rules(endpoint: backend.endpointID, direction: ingress)
            == [PolicyRule(identity: frontendIdentity, proto: tcp, port: 8080, prefixlen: fullPrefix)])
        #expect(state.endpoint("default", "frontend")?.flags == 0)
    }

    @Test func policyKeyBytesAreExactlyTheABILayout() throws {
        let state = try plan(threePods + policy("""
              podSelector: {matchLabels: {app: backend}}
              ingress:
                - from: [{podSelector: {matchLabels: {app: frontend}}}]
                  ports: [{port: 80, protocol: UDP}]
            """))
        let key = try #require(state.policy.keys.first)
        let bytes = withUnsafeBytes(of: key) { Array($0) }
        let endpoint = try #require(state.endpoint("default", "backend")).endpointID
        let identity = try #require(state.identity(of: "10.0.0.10"))
        func le(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
        #expect(bytes == le(96) + le(endpoint) + le(identity) + [0, 17, 0x00, 0x50])
        #expect(state.policy[key]?.action == UInt16(SLUICE_ACTION_ALLOW.rawValue))
    }

    @Test func policyWithoutRulesIsDefaultDenyForSelectedPods() throws {
        let state = try plan(threePods + policy("  podSelector: {}\n  policyTypes: [Ingress, Egress]"))
        #expect(state.endpoints.allSatisfy { $0.flags == enforceIngress | enforceEgress })
        #expect(state.policy.isEmpty)
    }

    @Test func egressTypeIsInferredFromEgressRules() throws {
        let state = try plan(threePods + policy("""
              podSelector: {matchLabels: {app: frontend}}
              egress:
                - to: [{podSelector: {matchLabels: {app: backend}}}]
            """))
        let frontend = try #require(state.endpoint("default", "frontend"))
        let backendIdentity = try #require(state.identity(of: "10.0.0.20"))
        #expect(frontend.flags == enforceIngress | enforceEgress)
        #expect(state.rules(endpoint: frontend.endpointID, direction: egress)
            == [PolicyRule(identity: backendIdentity, proto: 0, port: 0, prefixlen: allProtocolsPrefix)])
        #expect(state.rules(endpoint: frontend.endpointID, direction: ingress).isEmpty)
    }

    @Test func emptyFromAllowsEveryIdentityIncludingWorld() throws {
        let state = try plan(threePods + policy("""
              podSelector: {matchLabels: {app: backend}}
              ingress:
                - from: [{podSelector: {matchLabels: {app: frontend}}}]
                  ports: [{port: 1}]
                - ports: [{port: 443}]
            """))
        let backend = try #require(state.endpoint("default", "backend")).endpointID
        let identities = Set(state.identities.keys)
        let port443 = state.rules(endpoint: backend, direction: ingress).filter { $0.port == 443 }
        #expect(Set(port443.map(\.identity)) == identities)
        #expect(identities.contains(world))
    }

    @Test func portRangeBecomesPrefixesAndMissingPortMeansAllPortsOfTheProtocol() throws {
        let state = try plan(threePods + policy("""
              podSelector: {matchLabels: {app: backend}}
              ingress:
                - ports: [{port: 8000, endPort: 8003}, {protocol: UDP}]
            """))
        let backend = try #require(state.endpoint("default", "backend")).endpointID
        let worldRules = state.rules(endpoint: backend, direction: ingress).filter { $0.identity == world }
        #expect(worldRules == [
            PolicyRule(identity: world, proto: tcp, port: 8000, prefixlen: allPortsPrefix + 14),
            PolicyRule(identity: world, proto: udp, port: 0, prefixlen: allPortsPrefix),
        ])
    }

    @Test func namespaceSelectorMatchesNamespaceLabelsIncludingTheImplicitNameLabel() throws {
        let yaml = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: prod, labels: {env: prod}}
            ---

            """ + threePods + pod("client", namespace: "prod", labels: ["app": "client"], ip: "10.0.1.1")
            + pod("stray", namespace: "dev", labels: ["app": "client"], ip: "10.0.1.2")
            + policy("""
              podSelector: {matchLabels: {app: backend}}
              ingress:
                - from: [{namespaceSelector: {matchLabels: {env: prod}}}]
                - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: dev}}, podSelector: {matchLabels: {app: nope}}}]
            """)
        let state = try plan(yaml)
        let backend = try #require(state.endpoint("default", "backend")).endpointID
        let client = try #require(state.identity(of: "10.0.1.1"))
        #expect(state.rules(endpoint: backend, direction: ingress).map(\.identity) == [client])
        // dev's pod does not match the AND peer (wrong pod label) and gets no rule.
        #expect(state.identity(of: "10.0.1.2") == world)
    }

    @Test func bareSelectorPeerOnlyMatchesPodsOfThePolicysNamespace() throws {
        let state = try plan(threePods + pod("twin", namespace: "other-ns", labels: ["app": "frontend"], ip: "10.0.2.1")
            + policy("""
              podSelector: {matchLabels: {app: backend}}
              ingress:
                - from: [{podSelector: {matchLabels: {app: frontend}}}]
            """))
        #expect(state.identity(of: "10.0.2.1") == world)
        #expect(state.identity(of: "10.0.0.10") != world)
    }

    @Test func ipBlockExceptCarvesOutAClassAndAppliesToPodAddressesToo() throws {
        let state = try plan(threePods + policy("""
              podSelector: {matchLabels: {app: backend}}
              ingress:
                - from: [{ipBlock: {cidr: 10.0.0.0/24, except: [10.0.0.30/32]}}]
            """))
        let backend = try #require(state.endpoint("default", "backend")).endpointID
        let allowed = Set(state.rules(endpoint: backend, direction: ingress).map(\.identity))
        let inBlock = try #require(state.identity(of: "10.0.0.10"))
        #expect(allowed.contains(inBlock))
        #expect(state.identity(of: "10.0.0.30") == world)
        // The /24 itself (addresses that are not pods) shares the in-block class.
        let blockKey = try #require(state.ipcache.first { $0.key.prefixlen == 32 + 24 })
        #expect(blockKey.value.identity == inBlock)
    }

    @Test func egressNamedPortsResolveAgainstEachDestinationPod() throws {
        let state = try plan(threePods
            + pod("api2", labels: ["app": "backend"], ip: "10.0.0.21", ports: [("http", 9000)])
            + policy("""
              podSelector: {matchLabels: {app: frontend}}
              egress:
                - to: [{podSelector: {matchLabels: {app: backend}}}]
                  ports: [{port: http}]
            """))
        let frontend = try #require(state.endpoint("default", "frontend")).endpointID
        let backend = try #require(state.identity(of: "10.0.0.20"))
        let api2 = try #require(state.identity(of: "10.0.0.21"))
        #expect(backend != api2)
        #expect(state.rules(endpoint: frontend, direction: egress) == [
            PolicyRule(identity: backend, proto: tcp, port: 8080, prefixlen: fullPrefix),
            PolicyRule(identity: api2, proto: tcp, port: 9000, prefixlen: fullPrefix),
        ])
    }

    @Test func auditedNamespaceFlagsItsEndpoints() throws {
        let state = try plan("""
            apiVersion: v1
            kind: Namespace
            metadata: {name: default, annotations: {sluice.dev/policy-audit: "true"}}
            ---

            """ + threePods)
        #expect(state.endpoints.allSatisfy { $0.flags & UInt32(SLUICE_EP_AUDIT.rawValue) != 0 })
    }

    @Test func podsOfOtherNodesAreInTheIPCacheButNotEndpoints() throws {
        let state = try plan(threePods + pod("far", labels: ["app": "frontend"], ip: "10.9.9.9", node: "node-b"))
        #expect(state.endpoint("default", "far") == nil)
        #expect(state.identity(of: "10.9.9.9") != nil)
    }

    /// A Succeeded pod keeps its address in the API, and the address may be another pod's by
    /// now: the finished pod is no endpoint and no holder of the address, whatever it is
    /// named, so the running pod is enforced and keeps its own identity.
    @Test func aFinishedPodNeitherIsEnforcedNorHoldsItsAddress() throws {
        let finished = pod("job-1", namespace: "a", labels: ["app": "job"], ip: "10.0.0.7")
            .replacingOccurrences(of: "status:\n", with: "status:\n  phase: Succeeded\n")
        let state = try plan(finished
            + pod("web", namespace: "b", labels: ["app": "web"], ip: "10.0.0.7")
            + pod("web-2", namespace: "b", labels: ["app": "web"], ip: "10.0.0.8")
            + pod("job-2", namespace: "a", labels: ["app": "job"], ip: "10.0.0.9")
            + policy("  podSelector: {}\n  ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: job}}}]}]",
                     namespace: "b"))
        #expect(state.endpoint("a", "job-1") == nil)
        #expect(state.endpoint("b", "web") != nil)
        #expect(state.identity(of: "10.0.0.7") == state.identity(of: "10.0.0.8"))
        #expect(state.identity(of: "10.0.0.7") != state.identity(of: "10.0.0.9"))
    }

    @Test func hostInterfaceAnnotationIsCarriedToTheEndpoint() throws {
        let state = try plan("""
            apiVersion: v1
            kind: Pod
            metadata: {name: a, annotations: {sluice.dev/host-interface: veth-a}}
            spec: {nodeName: node-a, containers: [{name: c}]}
            status: {podIP: 10.0.0.1}
            """)
        #expect(state.endpoint("default", "a")?.hostInterface == "veth-a")
    }
}

@Suite struct PlannerHostTrafficTests {
    private let isolatedBackend = pod("backend", labels: ["app": "backend"], ip: "10.0.0.20") + """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: deny}
        spec: {podSelector: {}, policyTypes: [Ingress]}
        """

    private func plan(allowHost: Bool) throws -> DesiredState {
        var allocations = Allocations()
        let node = NodeSettings(name: "node-a", addresses: [IPAddress("10.200.0.1"), IPAddress("fd00::1")].compactMap { $0 },
                                allowHostTraffic: allowHost)
        return Planner.plan(try cluster(isolatedBackend), node: node, allocations: &allocations)
    }

    @Test func nodeAddressesGetAHostIdentityAllowedIntoIsolatedPods() throws {
        let state = try plan(allowHost: true)
        let backend = try #require(state.endpoint("default", "backend")).endpointID
        let host = try #require(state.identity(of: "10.200.0.1"))
        #expect(state.identity(of: "fd00::1") == host)
        #expect(state.identities[host]?.isHost == true)
        #expect(state.rules(endpoint: backend, direction: ingress)
            == [PolicyRule(identity: host, proto: 0, port: 0, prefixlen: allProtocolsPrefix)])
        #expect(state.policy.values.allSatisfy { $0.policy_id == 0 })
    }

    @Test func hostTrafficCanBeTurnedOff() throws {
        let state = try plan(allowHost: false)
        #expect(state.policy.isEmpty)
        #expect(state.identity(of: "10.200.0.1") != world)
    }
}
