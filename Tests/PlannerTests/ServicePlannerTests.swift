import CSluiceBPF
import Model
import Testing
@testable import Planner

/// Services as the planner turns them into frontends, members and Maglev tables.
struct ServicePlannerTests {
    static func backendPod(_ name: String, ip: String, ipv6: String? = nil, labels: String = "app: web",
                           ready: String? = nil, annotations: String = "{}", port: Int = 8080,
                           phase: String = "Running") -> String {
        let ips = ipv6.map { "[{ip: \(ip)}, {ip: \"\($0)\"}]" } ?? "[{ip: \(ip)}]"
        let conditions = ready.map { "[{type: Ready, status: \"\($0)\"}]" } ?? "[]"
        return """
            apiVersion: v1
            kind: Pod
            metadata: {name: \(name), labels: {\(labels)}, annotations: \(annotations)}
            spec:
              nodeName: node-b
              containers: [{name: c, ports: [{name: http, containerPort: \(port)}, {name: dns, containerPort: 5353, protocol: UDP}]}]
            status: {phase: \(phase), podIP: \(ip), podIPs: \(ips), conditions: \(conditions)}
            ---

            """
    }

    static let webService = """
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          clusterIPs: [10.96.0.10, "fd00:96::10"]
          selector: {app: web}
          sessionAffinity: ClientIP
          sessionAffinityConfig: {clientIP: {timeoutSeconds: 30}}
          ports:
            - {name: http, port: 80, targetPort: http}
            - {name: dns, port: 53, protocol: UDP, targetPort: dns}
        ---

        """

    static func plan(_ yaml: String, allocations: inout ServiceAllocations) throws -> PlannedServices {
        ServicePlanner.plan(try cluster(yaml), allocations: &allocations)
    }

    static func plan(_ yaml: String) throws -> PlannedServices {
        var allocations = ServiceAllocations()
        return try plan(yaml, allocations: &allocations)
    }

    static func key(_ address: String, _ port: UInt16, _ proto: TransportProtocol = .tcp) throws -> sluice_service_key {
        ServicePlanner.frontendKey(try #require(IPAddress(address)), ServicePort(protocol: proto, port: port))
    }

    @Test func selectorServiceGetsAFrontendPerAddressAndPortWithReadyPodsAsBackends() throws {
        let planned = try Self.plan(Self.webService
            + Self.backendPod("a", ip: "10.244.1.1", ipv6: "fd00:244::1")
            + Self.backendPod("b", ip: "10.244.1.2", ipv6: "fd00:244::2", ready: "True", port: 9090)
            + Self.backendPod("c", ip: "10.244.1.3", ready: "False")
            + Self.backendPod("d", ip: "10.244.1.4", phase: "Succeeded")
            + Self.backendPod("e", ip: "10.244.1.5", labels: "app: other"))

        #expect(planned.frontends.count == 4)
        let http4 = try #require(planned.frontends[try Self.key("10.96.0.10", 80)])
        let dns6 = try #require(planned.frontends[try Self.key("fd00:96::10", 53, .udp)])
        #expect(http4.flags == UInt32(SLUICE_SVC_AFFINITY.rawValue) && http4.affinity_timeout_s == 30)
        #expect(http4.table_size == UInt32(SLUICE_MAGLEV_DEFAULT_SIZE))
        #expect(Set(planned.frontends.values.map(\.service_id)).count == 4)

        // Named targetPort resolves per pod: a on 8080, b on 9090; c not ready, d done, e not selected.
        let http4Backends = Set(planned.members.keys.filter { $0.service_id == http4.service_id }
            .compactMap { planned.backendNames[$0.backend_id]?.description })
        #expect(http4Backends == ["10.244.1.1:8080/TCP", "10.244.1.2:9090/TCP"])
        let dns6Backends = Set(planned.members.keys.filter { $0.service_id == dns6.service_id }
            .compactMap { planned.backendNames[$0.backend_id]?.description })
        #expect(dns6Backends == ["[fd00:244::1]:5353/UDP", "[fd00:244::2]:5353/UDP"])

        let table = try #require(planned.tables[http4.service_id])
        let members = Set(planned.members.keys.filter { $0.service_id == http4.service_id }.map(\.backend_id))
        #expect(Set(table.slots) == members)
        #expect(planned.frontendNames[http4.service_id]?.description == "default/web:http/TCP IPv4")
    }

    @Test func weightsComeFromThePodAnnotationAndBadOnesAreReported() throws {
        let planned = try Self.plan(Self.webService
            + Self.backendPod("a", ip: "10.244.1.1", annotations: "{sluice.dev/weight: \"3\"}")
            + Self.backendPod("b", ip: "10.244.1.2")
            + Self.backendPod("c", ip: "10.244.1.3", annotations: "{sluice.dev/weight: \"lots\"}"))
        let http4 = try #require(planned.frontends[try Self.key("10.96.0.10", 80)])
        let table = try #require(planned.tables[http4.service_id])
        let idOfA = try #require(planned.backendNames.first { $0.value.address == IPAddress("10.244.1.1") && $0.value.protocol == .tcp }?.key)
        let share = Double(table.slots.filter { $0 == idOfA }.count) / Double(table.slots.count)
        #expect(abs(share - 0.6) < 0.006, "share of weight 3 among 3+1+1: \(share)")
        #expect(planned.warnings.contains { $0.contains("default/c") && $0.contains("\"lots\"") })
    }

    @Test func weightZeroDrainsAndNoReadyBackendMeansNoTable() throws {
        let planned = try Self.plan(Self.webService
            + Self.backendPod("a", ip: "10.244.1.1", annotations: "{sluice.dev/weight: \"0\"}")
            + Self.backendPod("b", ip: "10.244.1.2", ready: "False"))
        let http4 = try #require(planned.frontends[try Self.key("10.96.0.10", 80)])
        #expect(http4.table_size == 0)
        #expect(planned.tables[http4.service_id] == nil)
        #expect(planned.members.values.allSatisfy { $0.state == SLUICE_MEMBER_TERMINATING.rawValue })
    }

    @Test func sliceEndpointsBackAServiceWithoutSelector() throws {
        let yaml = """
            apiVersion: v1
            kind: Service
            metadata: {name: ext, namespace: shop}
            spec: {clusterIP: 10.96.0.20, ports: [{name: web, port: 80}]}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: ext-1, namespace: shop, labels: {kubernetes.io/service-name: ext}, annotations: {sluice.dev/weight: "2"}}
            addressType: IPv4
            endpoints:
              - addresses: [10.1.0.1]
              - addresses: [10.1.0.2]
                conditions: {ready: false, serving: true, terminating: true}
              - addresses: [10.1.0.3]
                conditions: {ready: false}
            ports: [{name: web, port: 8443}]
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: other, namespace: default, labels: {kubernetes.io/service-name: ext}}
            addressType: IPv4
            endpoints: [{addresses: [10.9.9.9]}]
            ports: [{name: web, port: 1}]
            """
        let planned = try Self.plan(yaml)
        let frontend = try #require(planned.frontends[try Self.key("10.96.0.20", 80)])
        let states = Dictionary(uniqueKeysWithValues: planned.members.map {
            (planned.backendNames[$0.key.backend_id]?.description ?? "?", $0.value.state)
        })
        #expect(states == [
            "10.1.0.1:8443/TCP": SLUICE_MEMBER_ACTIVE.rawValue,
            "10.1.0.2:8443/TCP": SLUICE_MEMBER_TERMINATING.rawValue,
        ])
        #expect(planned.members.values.allSatisfy { $0.weight == 2 })
        let table = try #require(planned.tables[frontend.service_id])
        #expect(Set(table.slots).count == 1)
    }

    @Test func unhealthyBackendsLeaveTheTableButStayMembers() throws {
        var allocations = ServiceAllocations()
        let yaml = Self.webService + Self.backendPod("a", ip: "10.244.1.1") + Self.backendPod("b", ip: "10.244.1.2")
        let unhealthy = BackendRef(address: try #require(IPAddress("10.244.1.2")), port: 8080, protocol: .tcp)
        let planned = ServicePlanner.plan(try cluster(yaml), allocations: &allocations,
                                          options: .init(tableSize: 251, unhealthy: [unhealthy]))
        let http4 = try #require(planned.frontends[try Self.key("10.96.0.10", 80)])
        let idOfB = try #require(allocations.backends[unhealthy])
        #expect(planned.members[sluice_service_member_key(service_id: http4.service_id, backend_id: idOfB)]?.state
            == SLUICE_MEMBER_UNHEALTHY.rawValue)
        #expect(planned.tables[http4.service_id]?.slots.count == 251)
        #expect(planned.tables[http4.service_id]?.slots.contains(idOfB) == false)
    }

    @Test func headlessServicesAndPortsWithoutMatchingNamedPortHaveNoBackends() throws {
        let yaml = """
            apiVersion: v1
            kind: Service
            metadata: {name: headless}
            spec: {clusterIP: None, selector: {app: web}, ports: [{port: 80}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: named}
            spec: {clusterIP: 10.96.0.30, selector: {app: web}, ports: [{port: 80, targetPort: grpc}]}
            ---

            """ + Self.backendPod("a", ip: "10.244.1.1")
        let planned = try Self.plan(yaml)
        #expect(planned.frontends.count == 1)
        #expect(planned.frontends.values.first?.table_size == 0)
        #expect(planned.members.isEmpty && planned.backends.isEmpty)
    }

    @Test func replanningKeepsIdsAndChangesOnlyWhatChanged() throws {
        var allocations = ServiceAllocations()
        let pods = (1...3).map { Self.backendPod("p\($0)", ip: "10.244.1.\($0)") }.joined()
        let first = try Self.plan(Self.webService + pods, allocations: &allocations)
        let again = try Self.plan(Self.webService + pods, allocations: &allocations)
        #expect(first == again)

        let fewer = try Self.plan(Self.webService + (1...2).map { Self.backendPod("p\($0)", ip: "10.244.1.\($0)") }.joined(),
                                  allocations: &allocations)
        #expect(fewer.frontends == first.frontends)
        #expect(Set(fewer.backends.keys).isSubset(of: Set(first.backends.keys)))
        for (id, ref) in fewer.backendNames { #expect(first.backendNames[id] == ref) }
        let http4 = try #require(first.frontends[try Self.key("10.96.0.10", 80)])
        let before = try #require(first.tables[http4.service_id]?.slots)
        let after = try #require(fewer.tables[http4.service_id]?.slots)
        let moved = zip(before, after).filter { $0 != $1 }.count
        #expect(Double(moved) / Double(before.count) < 0.40, "moved \(moved) of \(before.count) after losing 1 of 3")
    }

    @Test func theSameManifestsGiveTheSameTablesOnTwoNodes() throws {
        let pods = (1...5).map { Self.backendPod("p\($0)", ip: "10.244.1.\($0)", ipv6: "fd00:244::\($0)") }
        var nodeA = ServiceAllocations()
        var nodeB = ServiceAllocations()
        let planA = try Self.plan(Self.webService + pods.joined(), allocations: &nodeA)
        // Node B saw an unrelated service first (other ids) and the pods in another order.
        let other = "apiVersion: v1\nkind: Service\nmetadata: {name: aaa}\nspec: {clusterIP: 10.96.0.99, ports: [{port: 1}]}\n---\n"
        _ = try Self.plan(other + Self.webService + pods.reversed().joined(), allocations: &nodeB)
        let planB = try Self.plan(other + Self.webService + pods.reversed().joined(), allocations: &nodeB)

        for family in ["10.96.0.10", "fd00:96::10"] {
            let a = try #require(planA.frontends[try Self.key(family, 80)])
            let b = try #require(planB.frontends[try Self.key(family, 80)])
            let slotsA = try #require(planA.tables[a.service_id]).slots.map { planA.backendNames[$0] }
            let slotsB = try #require(planB.tables[b.service_id]).slots.map { planB.backendNames[$0] }
            #expect(slotsA == slotsB)
        }
    }

    @Test func healthAppliedLaterGivesTheSameMapsAsPlanningWithIt() throws {
        let yaml = Self.webService + (1...3).map { Self.backendPod("p\($0)", ip: "10.244.1.\($0)") }.joined()
        let sick = BackendRef(address: try #require(IPAddress("10.244.1.2")), port: 8080, protocol: .tcp)
        var first = ServiceAllocations()
        let healthy = ServicePlanner.plan(try cluster(yaml), allocations: &first)
        let later = ServicePlanner.applyingHealth(healthy, unhealthy: [sick])
        var second = ServiceAllocations()
        let direct = ServicePlanner.plan(try cluster(yaml), allocations: &second, options: .init(unhealthy: [sick]))
        #expect(later.members == direct.members)
        #expect(later.tables == direct.tables)
        #expect(later.frontends == direct.frontends)

        let allSick = Set(healthy.backendNames.values.filter { $0.protocol == .tcp })
        let none = ServicePlanner.applyingHealth(healthy, unhealthy: allSick)
        let http4 = try #require(none.frontends[try Self.key("10.96.0.10", 80)])
        #expect(http4.table_size == 0 && none.tables[http4.service_id] == nil)
        // The UDP port is not probed: its table stays.
        let dns4 = try #require(none.frontends[try Self.key("10.96.0.10", 53, .udp)])
        #expect(none.tables[dns4.service_id] == healthy.tables[dns4.service_id])
    }

    /// A restarted agent's first plan: the ids the maps hold go to the frontend key and the
    /// backend that had them, whatever name order would give.
    @Test func reservedIdsGoToTheFrontendKeysAndBackendsThatHeldThem() throws {
        var allocations = ServiceAllocations()
        let http4 = try Self.key("10.96.0.10", 80)
        let backend = BackendRef(address: try #require(IPAddress("10.244.1.1")), port: 8080, protocol: .tcp)
        // The cluster IP's key and a node port's share an id: either may come first.
        let nodePort = ServicePlanner.nodePortKey(30080, family: .v4, protocol: .tcp)
        allocations.reserve(frontends: [nodePort: 77, http4: 77, try Self.key("10.96.9.9", 80): 78], backends: [backend: 99])
        let planned = try Self.plan(Self.webService + Self.backendPod("a", ip: "10.244.1.1"), allocations: &allocations)
        #expect(planned.frontends[http4]?.service_id == 77)
        #expect(planned.backendNames[99] == backend)
        #expect(!planned.frontends.values.contains { $0.service_id == 78 }, "an unclaimed id is no one's")
    }

    @Test func healthCheckAnnotationsSetTheProbesOfTCPBackends() throws {
        let annotated = Self.webService.replacingOccurrences(of: "metadata: {name: web}", with:
            "metadata: {name: web, annotations: {sluice.dev/health-interval: 300ms, sluice.dev/health-timeout: \"1s\", sluice.dev/health-unhealthy-threshold: \"two\"}}")
        let planned = try Self.plan(annotated + Self.backendPod("a", ip: "10.244.1.1"))
        let check = try #require(planned.healthChecks.values.first)
        #expect(planned.healthChecks.count == 1, "only the TCP backend: \(planned.healthChecks.keys)")
        #expect(check == HealthCheck(interval: .milliseconds(300), timeout: .milliseconds(300), unhealthyThreshold: 1, healthyThreshold: 2))
        #expect(planned.warnings.contains { $0.contains("sluice.dev/health-unhealthy-threshold") && $0.contains("\"two\"") })

        // A duration past an hour (here one that overflows milliseconds) keeps the default.
        let huge = Self.webService.replacingOccurrences(of: "metadata: {name: web}", with:
            "metadata: {name: web, annotations: {sluice.dev/health-interval: 10000000000000000s, sluice.dev/health-timeout: 3601s}}")
        let defaulted = try Self.plan(huge + Self.backendPod("a", ip: "10.244.1.1"))
        #expect(defaulted.healthChecks.values.first == HealthCheck())
        #expect(defaulted.warnings.contains { $0.contains("sluice.dev/health-interval") && $0.contains("from 10ms to 1h") })
        #expect(defaulted.warnings.contains { $0.contains("sluice.dev/health-timeout") && $0.contains("\"3601s\"") })

        let off = Self.webService.replacingOccurrences(of: "metadata: {name: web}", with:
            "metadata: {name: web, annotations: {sluice.dev/health-check: none}}")
        #expect(try Self.plan(off + Self.backendPod("a", ip: "10.244.1.1")).healthChecks.isEmpty)
    }
}
