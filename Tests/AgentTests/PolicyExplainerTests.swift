@testable import Agent
import Testing

/// Explanations computed from a planned state: the verdict the datapath's
/// lookups give, and the policies and rules behind it.
struct PolicyExplainerTests {
    private static let pods = pod("frontend", labels: ["app": "frontend"], ip: "10.0.0.10", ipv6: "fd00::10")
        + pod("backend", labels: ["app": "backend"], ip: "10.0.0.20", ipv6: "fd00::20", ports: [("http", 8080)])
        + pod("other", labels: ["app": "other"], ip: "10.0.0.30", ipv6: "fd00::30")
        + pod("remote", labels: ["app": "frontend"], ip: "10.0.1.10", node: "node-b")

    private static let allowFrontend = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: allow-frontend, namespace: default}
        spec:
          podSelector: {matchLabels: {app: backend}}
          ingress:
            - from: [{podSelector: {matchLabels: {app: other}}}]
              ports: [{protocol: UDP, port: 53}]
            - from: [{podSelector: {matchLabels: {app: frontend}}}]
              ports: [{protocol: TCP, port: http}, {protocol: TCP, port: 9000, endPort: 9100}]
        ---

        """

    @Test func allowedPeerIsAllowedAtIngressByItsPolicyAndRule() throws {
        let node = try PlannedNode(Self.pods + Self.allowFrontend)
        let explain = try node.explain(from: "default/frontend", to: "default/backend", port: "8080/TCP")
        #expect(explain.verdict == "allowed")
        #expect(explain.family == "IPv4")
        #expect(explain.from.address == "10.0.0.10")
        #expect(explain.egress.outcome == "not-enforced")
        #expect(explain.ingress.outcome == "allowed")
        #expect(explain.ingress.endpoint == "default/backend")
        #expect(explain.ingress.policy == "default/allow-frontend")
        #expect(explain.ingress.rules == ["default/allow-frontend ingress[1]"])
        #expect(explain.ingress.isolatedBy == ["default/allow-frontend"])
        #expect(explain.ingress.entry?.ports == "8080")
        #expect(explain.ingress.entry?.protocol == "TCP")
        #expect(explain.ingress.entry?.identity == explain.from.identity)
        #expect(explain.from.identityPrefix == "10.0.0.10/32")
    }

    @Test func peerWithoutARuleIsDeniedAndTheIsolatingPolicyIsNamed() throws {
        let node = try PlannedNode(Self.pods + Self.allowFrontend)
        let explain = try node.explain(from: "default/other", to: "default/backend", port: "8080/TCP")
        #expect(explain.verdict == "denied")
        #expect(explain.ingress.outcome == "denied")
        #expect(explain.ingress.entry == nil)
        #expect(explain.ingress.rules.isEmpty)
        #expect(explain.ingress.reason.contains("default/allow-frontend"))
        // The same peer on the port its own rule names is allowed.
        let dns = try node.explain(from: "default/other", to: "default/backend", port: "53/UDP")
        #expect(dns.verdict == "allowed")
        #expect(dns.ingress.rules == ["default/allow-frontend ingress[0]"])
    }

    @Test func portRangesMatchByLongestPrefixAtTheirEdges() throws {
        let node = try PlannedNode(Self.pods + Self.allowFrontend)
        for (port, verdict) in [("8999", "denied"), ("9000", "allowed"), ("9100", "allowed"), ("9101", "denied"),
                                ("9100/UDP", "denied")] {
            let explain = try node.explain(from: "default/frontend", to: "default/backend", port: port)
            #expect(explain.verdict == verdict, "port \(port)")
        }
        let edge = try node.explain(from: "default/frontend", to: "default/backend", port: "9100")
        #expect(edge.ingress.entry?.ports == "9100")
        let block = try node.explain(from: "default/frontend", to: "default/backend", port: "9050")
        #expect(block.ingress.entry?.ports == "9024-9087")
    }

    @Test func addressesResolveToTheirPodsAndRemotePodsAreNotCheckedHere() throws {
        let node = try PlannedNode(Self.pods + Self.allowFrontend)
        let explain = try node.explain(from: "10.0.1.10", to: "10.0.0.20", port: "8080/TCP")
        #expect(explain.from.pod == "default/remote")
        #expect(explain.to.pod == "default/backend")
        #expect(explain.egress.outcome == "not-local")
        #expect(explain.ingress.outcome == "allowed")
        let outbound = try node.explain(from: "default/backend", to: "203.0.113.9", port: "443")
        #expect(outbound.ingress.outcome == "not-local")
        #expect(outbound.egress.outcome == "not-enforced")
        #expect(outbound.to.identity == 1)
        #expect(outbound.to.pod == nil)
    }

    @Test func familyFollowsAnAddressOrIsChosenForTwoPods() throws {
        let node = try PlannedNode(Self.pods + Self.allowFrontend)
        let v6 = try node.explain(from: "default/frontend", to: "fd00::20", port: "8080")
        #expect(v6.family == "IPv6")
        #expect(v6.from.address == "fd00::10")
        #expect(v6.verdict == "allowed")
        let asked = try node.explain(from: "default/frontend", to: "default/backend", port: "8080", family: "ipv6")
        #expect(asked.to.address == "fd00::20")
        #expect(throws: ExplainError.badRequest("from and to are of different address families")) {
            try node.explain(from: "10.0.0.10", to: "fd00::20", port: "80")
        }
        // The remote pod has no IPv6 address.
        #expect(throws: ExplainError.notFound("pod default/remote has no IPv6 address")) {
            try node.explain(from: "default/remote", to: "fd00::20", port: "80")
        }
    }

    @Test func ipBlockExceptionsAreFoundByLongestPrefixInTheIPCache() throws {
        let policy = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: egress-block, namespace: default}
            spec:
              podSelector: {matchLabels: {app: frontend}}
              policyTypes: [Egress]
              egress:
                - to: [{ipBlock: {cidr: 172.16.0.0/12, except: [172.16.5.0/24]}}]
            ---

            """
        let node = try PlannedNode(Self.pods + policy)
        let inside = try node.explain(from: "default/frontend", to: "172.20.1.1", port: "5432/TCP")
        #expect(inside.verdict == "allowed")
        #expect(inside.to.identityPrefix == "172.16.0.0/12")
        #expect(inside.egress.rules == ["default/egress-block egress[0]"])
        #expect(inside.egress.entry?.protocol == "any")
        let excepted = try node.explain(from: "default/frontend", to: "172.16.5.9", port: "5432/TCP")
        #expect(excepted.verdict == "denied")
        #expect(excepted.to.identityPrefix == "172.16.5.0/24")
        #expect(excepted.egress.outcome == "denied")
    }

    @Test func egressNamedPortsResolveAgainstTheDestinationPod() throws {
        let policy = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: to-http, namespace: default}
            spec:
              podSelector: {matchLabels: {app: frontend}}
              policyTypes: [Egress]
              egress:
                - ports: [{protocol: TCP, port: http}]
            ---

            """
        let node = try PlannedNode(Self.pods + policy)
        let named = try node.explain(from: "default/frontend", to: "default/backend", port: "8080")
        #expect(named.egress.outcome == "allowed")
        #expect(named.egress.rules == ["default/to-http egress[0]"])
        // The other pod has no port named http.
        let unnamed = try node.explain(from: "default/frontend", to: "default/other", port: "8080")
        #expect(unnamed.egress.outcome == "denied")
    }

    @Test func auditedNamespaceForwardsWhatItWouldDeny() throws {
        let namespace = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: default, annotations: {sluice.dev/policy-audit: "true"}}
            ---

            """
        let node = try PlannedNode(namespace + Self.pods + Self.allowFrontend)
        let explain = try node.explain(from: "default/other", to: "default/backend", port: "8080")
        #expect(explain.ingress.outcome == "audit")
        #expect(explain.verdict == "allowed")
        #expect(explain.ingress.reason.contains("audit mode"))
    }

    @Test func theNodesOwnAddressReachesIsolatedPods() throws {
        let node = try PlannedNode(Self.pods + Self.allowFrontend)
        let explain = try node.explain(from: PlannedNode.nodeAddress, to: "default/backend", port: "12345/UDP")
        #expect(explain.verdict == "allowed")
        #expect(explain.ingress.entry?.policyID == 0)
        #expect(explain.ingress.entry?.protocol == "any")
        #expect(explain.ingress.policy == nil)
        #expect(explain.ingress.reason.contains("--allow-host-traffic"))
    }

    @Test func aPodWithoutInterfaceIsNotCheckedYet() throws {
        let node = try PlannedNode(Self.pods + Self.allowFrontend, withoutInterface: ["default/backend"])
        let explain = try node.explain(from: "default/other", to: "default/backend", port: "8080")
        #expect(explain.ingress.outcome == "no-interface")
        #expect(explain.verdict == "allowed")
    }

    @Test func aServiceAddressIsSentToItsBackends() throws {
        let service = """
            apiVersion: v1
            kind: Service
            metadata: {name: web, namespace: default}
            spec: {clusterIP: 10.96.0.10, ports: [{name: http, port: 80}]}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: web-1, namespace: default, labels: {kubernetes.io/service-name: web}}
            addressType: IPv4
            endpoints: [{addresses: [10.0.0.20]}]
            ports: [{name: http, port: 8080}]
            ---

            """
        let node = try PlannedNode(Self.pods + Self.allowFrontend + service)
        #expect(throws: ExplainError.badRequest("10.96.0.10 port 80 is service default/web, translated to a backend "
            + "before policy applies: explain a backend instead (10.0.0.20:8080/TCP)")) {
            try node.explain(from: "default/frontend", to: "10.96.0.10", port: "80")
        }
        // Another port of the same address is no service: world, as the datapath sees it.
        #expect(try node.explain(from: "default/frontend", to: "10.96.0.10", port: "81").to.identity == 1)
    }

    @Test func badQueriesSayWhatIsWrong() throws {
        let node = try PlannedNode(Self.pods + Self.allowFrontend)
        #expect(throws: ExplainError.notFound("no pod default/nobody in the manifests")) {
            try node.explain(from: "nobody", to: "default/backend", port: "80")
        }
        #expect(throws: ExplainError.badRequest("port '70000': expected PORT or PORT/PROTOCOL with PORT in 1-65535")) {
            try node.explain(from: "frontend", to: "backend", port: "70000")
        }
        #expect(throws: ExplainError.badRequest("port '80/ICMP': protocol must be TCP, UDP or SCTP")) {
            try node.explain(from: "frontend", to: "backend", port: "80/ICMP")
        }
        #expect(throws: ExplainError.badRequest("'a/b/c' is neither NAMESPACE/POD nor an IP address")) {
            try node.explain(from: "a/b/c", to: "backend", port: "80")
        }
        #expect(throws: ExplainError.self) { try ExplainQuery(parameters: ["from": "a", "to": "b"]) }
        #expect(throws: ExplainError.notReady("no plan yet: the first sync has not finished")) {
            try PolicyExplainer(snapshot: AgentStatus.Snapshot())
        }
    }
}
