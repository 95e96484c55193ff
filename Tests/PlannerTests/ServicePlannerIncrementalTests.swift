import CSluiceBPF
import Model
import Testing
@testable import Planner

/// A plan made by changing the last one where services changed must be the plan made from
/// scratch: the same frontends, members and tables, named (ids may differ between the two).
struct ServicePlannerIncrementalTests {
    /// A plan with every id replaced by what it names, so that two plans made with different
    /// allocations compare.
    struct Named: Equatable {
        var frontends: [String: String] = [:]
        var members: [String: String] = [:]
        var tables: [String: [String]] = [:]
        var healthChecks: Set<String> = []
        var warnings: Set<String> = []

        init(_ planned: PlannedServices) {
            for (key, value) in planned.frontends {
                let name = planned.frontendNames[value.service_id].map { "\($0)" } ?? "?"
                let address = withUnsafeBytes(of: key.addr) { Array($0) }
                frontends["\(address):\(key.port)/\(key.protocol)"] =
                    "\(name) size \(value.table_size) flags \(value.flags) timeout \(value.affinity_timeout_s)"
            }
            for (key, value) in planned.members {
                let frontend = planned.frontendNames[key.service_id].map { "\($0)" } ?? "?"
                let backend = planned.backendNames[key.backend_id].map { "\($0)" } ?? "?"
                members["\(frontend) -> \(backend)"] = "state \(value.state) weight \(value.weight)"
            }
            for (id, table) in planned.tables {
                let frontend = planned.frontendNames[id].map { "\($0)" } ?? "?"
                tables[frontend] = table.slots.map { planned.backendNames[$0].map { "\($0)" } ?? "?" }
            }
            healthChecks = Set(planned.healthChecks.map { "\($0.key) \($0.value)" })
            warnings = Set(planned.warnings)
        }
    }

    static func service(_ name: String, ip: String, nodePort: Int? = nil, app: String = "web",
                        annotations: String = "{}") -> String {
        let type = nodePort == nil ? "ClusterIP" : "NodePort"
        let node = nodePort.map { ", nodePort: \($0)" } ?? ""
        return """
            apiVersion: v1
            kind: Service
            metadata: {name: \(name), annotations: \(annotations)}
            spec:
              type: \(type)
              clusterIP: \(ip)
              selector: {app: \(app)}
              ports: [{name: http, port: 80, targetPort: http\(node)}]
            ---

            """
    }

    static func selectorless(_ name: String, ip: String, backends: [String], port: Int = 8080) -> String {
        """
        apiVersion: v1
        kind: Service
        metadata: {name: \(name)}
        spec:
          clusterIP: \(ip)
          ports: [{name: http, port: 80, targetPort: \(port)}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: \(name)-1, labels: {kubernetes.io/service-name: \(name)}}
        addressType: IPv4
        endpoints: [\(backends.map { "{addresses: [\($0)]}" }.joined(separator: ", "))]
        ports: [{name: http, protocol: TCP, port: \(port)}]
        ---

        """
    }

    static let pods = (1...4).map { ServicePlannerTests.backendPod("p\($0)", ip: "10.244.1.\($0)") }.joined()
        + ServicePlannerTests.backendPod("q1", ip: "10.244.2.1", labels: "app: api")

    /// Plans `steps` one after the other with the same allocations, once looking at every
    /// service and once told what changed, and checks each plan against a plan from scratch;
    /// the told plan's delta must name every entry that differs from the plan before it.
    static func expectEachStepEqualsAFreshPlan(_ steps: [String]) throws {
        var warm = ServiceAllocations()
        var told = ServiceAllocations()
        var last: (cluster: Cluster, plan: PlannedServices)?
        for (index, yaml) in steps.enumerated() {
            let incremental = try ServicePlannerTests.plan(yaml, allocations: &warm)
            let fresh = try ServicePlannerTests.plan(yaml)
            #expect(Named(incremental) == Named(fresh), "step \(index)")
            #expect(incremental.backends.count == fresh.backends.count, "step \(index): backends")
            #expect(Set(warm.frontends.values).count == warm.frontends.count, "step \(index): distinct service ids")

            let now = try cluster(yaml)
            let changes = last.map { Self.changes(from: $0.cluster, to: now) }
            let planned = ServicePlanner.plan(now, allocations: &told, changes: changes)
            #expect(Named(planned) == Named(fresh), "step \(index), told what changed")
            #expect(planned.backends.count == fresh.backends.count, "step \(index), told: backends")
            if let previous = last?.plan, planned.generation != previous.generation {
                let delta = try #require(planned.delta, "step \(index): a changed plan says what changed")
                #expect(delta.base == previous.generation)
                Self.expectDifferencesCovered(from: previous, to: planned, by: delta, step: index)
            }
            last = (now, planned)
        }
    }

    /// What the agent's manifest store notes, worked out from two clusters.
    static func changes(from old: Cluster, to new: Cluster) -> ServiceChanges {
        var changes = ServiceChanges()
        for (ref, service) in new.services where old.services[ref] != service { changes.services.insert(ref) }
        for ref in old.services.keys where new.services[ref] == nil { changes.services.insert(ref) }
        for (ref, slice) in new.endpointSlices where old.endpointSlices[ref] != slice {
            changes.services.insert(ObjectRef(namespace: slice.namespace, name: slice.serviceName))
        }
        for (ref, slice) in old.endpointSlices where new.endpointSlices[ref] != slice {
            changes.services.insert(ObjectRef(namespace: slice.namespace, name: slice.serviceName))
        }
        changes.notePods(from: old.pods, to: new.pods)
        return changes
    }

    static func expectDifferencesCovered(from old: PlannedServices, to new: PlannedServices, by delta: ServiceDelta,
                                         step: Int) {
        func differing<Key: Hashable, Value: Equatable>(_ old: some Sequence<(key: Key, value: Value)>,
                                                        _ new: some Sequence<(key: Key, value: Value)>) -> Set<Key> {
            let a = Dictionary(uniqueKeysWithValues: old.map { ($0.key, $0.value) })
            let b = Dictionary(uniqueKeysWithValues: new.map { ($0.key, $0.value) })
            return Set(a.keys.filter { a[$0] != b[$0] }).union(b.keys.filter { a[$0] != b[$0] })
        }
        #expect(differing(old.frontends, new.frontends).isSubset(of: delta.frontends), "step \(step): frontends")
        #expect(differing(old.backends, new.backends).isSubset(of: delta.backends), "step \(step): backends")
        #expect(differing(old.members, new.members).isSubset(of: delta.members), "step \(step): members")
        #expect(differing(old.tables, new.tables).isSubset(of: delta.tables), "step \(step): tables")
        #expect(old.healthChecks == new.healthChecks || delta.healthChecks, "step \(step): health checks")
    }

    @Test func changingOneServiceOfManyGivesTheFreshPlan() throws {
        let others = (0..<20).map { Self.selectorless("s\($0)", ip: "10.96.1.\($0)", backends: ["10.202.0.\($0 + 1)"]) }
        let before = others.joined() + Self.selectorless("last", ip: "10.96.2.1", backends: ["10.202.1.1", "10.202.1.2"])
        let after = others.joined() + Self.selectorless("last", ip: "10.96.2.1", backends: ["10.202.1.2", "10.202.1.3"],
                                                        port: 8081)
        try Self.expectEachStepEqualsAFreshPlan([before, after, before])
    }

    @Test func addingAndRemovingServicesGivesTheFreshPlan() throws {
        let a = Self.service("a", ip: "10.96.0.1")
        let b = Self.service("b", ip: "10.96.0.2", app: "api")
        let c = Self.selectorless("c", ip: "10.96.0.3", backends: ["10.244.1.1"])
        try Self.expectEachStepEqualsAFreshPlan([
            Self.pods + a, Self.pods + a + b, Self.pods + a + b + c, Self.pods + b + c, Self.pods + c, Self.pods,
        ])
    }

    @Test func podChangesReachTheServicesThatSelectThem() throws {
        let services = Self.service("a", ip: "10.96.0.1") + Self.service("b", ip: "10.96.0.2", app: "api")
        let fewer = (1...2).map { ServicePlannerTests.backendPod("p\($0)", ip: "10.244.1.\($0)") }.joined()
        let weighted = Self.pods + ServicePlannerTests.backendPod("p9", ip: "10.244.1.9",
                                                                  annotations: "{sluice.dev/weight: \"0\"}")
        try Self.expectEachStepEqualsAFreshPlan([Self.pods + services, fewer + services, weighted + services,
                                                 Self.pods + services])
    }

    @Test func aNodePortPassesToTheNextClaimantWhenItsHolderGoes() throws {
        let alpha = Self.service("alpha", ip: "10.96.0.1", nodePort: 30090)
        let beta = Self.service("beta", ip: "10.96.0.2", nodePort: 30090)
        try Self.expectEachStepEqualsAFreshPlan([Self.pods + alpha + beta, Self.pods + beta, Self.pods + alpha + beta])
    }

    @Test func aHealthCheckAndAWarningFollowTheServiceThatSetsThem() throws {
        let plain = Self.service("a", ip: "10.96.0.1") + Self.service("b", ip: "10.96.0.2")
        let checked = Self.service("a", ip: "10.96.0.1", annotations: "{sluice.dev/health-interval: \"2s\"}")
            + Self.service("b", ip: "10.96.0.2", annotations: "{sluice.dev/health-interval: \"soon\"}")
        try Self.expectEachStepEqualsAFreshPlan([Self.pods + plain, Self.pods + checked, Self.pods + plain])
    }

    @Test func twoServicesOnOneAddressGiveTheFreshPlanWhicheverChanges() throws {
        let a = Self.service("a", ip: "10.96.0.1")
        let b = Self.service("b", ip: "10.96.0.1", app: "api")
        let b2 = Self.selectorless("b", ip: "10.96.0.1", backends: ["10.202.1.1"])
        try Self.expectEachStepEqualsAFreshPlan([Self.pods + a + b, Self.pods + a + b2, Self.pods + a + b])
    }

    @Test func aServiceLosingItsSharedAddressPassesItToTheOtherClaimant() throws {
        let a = Self.service("a", ip: "10.96.0.1")
        let b = Self.service("b", ip: "10.96.0.1", app: "api")
        try Self.expectEachStepEqualsAFreshPlan([Self.pods + a + b, Self.pods + b, Self.pods + a + b, Self.pods + a])
        let planned = try ServicePlannerTests.plan(Self.pods + a + b)
        #expect(planned.warnings.contains { $0.contains("10.96.0.1:80 already used by default/a:http") })
    }

    @Test func onlyTheNamedServicesAreLookedAtWhenToldWhatChanged() throws {
        var allocations = ServiceAllocations()
        let before = Self.selectorless("a", ip: "10.96.0.1", backends: ["10.202.0.1"])
            + Self.selectorless("b", ip: "10.96.0.2", backends: ["10.202.0.2"])
        let after = Self.selectorless("a", ip: "10.96.0.1", backends: ["10.202.0.1"])
            + Self.selectorless("b", ip: "10.96.0.2", backends: ["10.202.0.3"])
        let first = ServicePlanner.plan(try cluster(before), allocations: &allocations)
        // Told nothing changed, the planner keeps its last plan even though "b" differs.
        let untold = ServicePlanner.plan(try cluster(after), allocations: &allocations, changes: ServiceChanges())
        #expect(untold.generation == first.generation)
        var changes = ServiceChanges()
        changes.services.insert(ObjectRef(namespace: "default", name: "b"))
        let told = ServicePlanner.plan(try cluster(after), allocations: &allocations, changes: changes)
        #expect(Named(told) == Named(try ServicePlannerTests.plan(after)))
        #expect(told.delta?.members.count == 2)
    }

    @Test func anUnchangedClusterGivesTheSamePlanAndIds() throws {
        var allocations = ServiceAllocations()
        let yaml = Self.pods + Self.service("a", ip: "10.96.0.1") + Self.selectorless("c", ip: "10.96.0.3", backends: ["10.244.1.1"])
        let first = try ServicePlannerTests.plan(yaml, allocations: &allocations)
        let ids = allocations
        let second = try ServicePlannerTests.plan(yaml, allocations: &allocations)
        #expect(first == second)
        #expect(allocations == ids)
    }

    @Test func idsOfRemovedServicesAndBackendsAreFreed() throws {
        var allocations = ServiceAllocations()
        _ = try ServicePlannerTests.plan(Self.pods + Self.service("a", ip: "10.96.0.1")
            + Self.selectorless("c", ip: "10.96.0.3", backends: ["10.202.9.9"]), allocations: &allocations)
        #expect(allocations.frontends.count == 2 && allocations.backends.count == 5)
        _ = try ServicePlannerTests.plan(Self.pods + Self.service("a", ip: "10.96.0.1"), allocations: &allocations)
        #expect(allocations.frontends.count == 1 && allocations.backends.count == 4)
        _ = try ServicePlannerTests.plan(Self.pods, allocations: &allocations)
        #expect(allocations.frontends.isEmpty && allocations.backends.isEmpty)
    }
}

/// A table held as its members: equal members make equal tables, in any order.
struct MaglevTableTests {
    static let members = (1...3).map { index in
        MaglevTable.Member(id: UInt32(10 + index), identity: MaglevTests.backend(index).identity, weight: UInt32(index))
    }

    @Test func theSlotsAreMaglevsTableOfTheMembers() {
        let table = MaglevTable(members: Self.members, size: 251)
        let indexes = Maglev.table(Self.members.map { Maglev.Backend(identity: $0.identity, weight: $0.weight) }, size: 251)
        #expect(table.slots == indexes.map { Self.members[$0].id })
    }

    @Test func membersInAnotherOrderMakeTheSameTable() {
        let table = MaglevTable(members: Self.members, size: 251)
        let reversed = MaglevTable(members: Self.members.reversed(), size: 251)
        #expect(table == reversed)
        #expect(table.slots == reversed.slots)
        #expect(table != MaglevTable(members: Self.members, size: 257))
    }

    /// The digest a restarted agent keeps a kernel table by: the same for the same slots
    /// whatever the members' order, different when any input of the slots differs, and the
    /// same in every build (a new agent keeps an older agent's tables).
    @Test func theDigestNamesExactlyWhatTheSlotsAreMadeOf() {
        let table = MaglevTable(members: Self.members, size: 251)
        #expect(table.digest == MaglevTable(members: Self.members.reversed(), size: 251).digest)
        #expect(table.digest == 12_041_444_453_561_060_812, "\(table.digest)")
        var changed: [MaglevTable] = [MaglevTable(members: Self.members, size: 257),
                                      MaglevTable(members: Array(Self.members.dropLast()), size: 251)]
        for index in Self.members.indices {
            var id = Self.members, weight = Self.members, identity = Self.members
            id[index].id += 100
            weight[index].weight += 1
            identity[index].identity.append(0)
            changed += [id, weight, identity].map { MaglevTable(members: $0, size: 251) }
        }
        let digests = Set(changed.map(\.digest))
        #expect(digests.count == changed.count && !digests.contains(table.digest))
    }
}
