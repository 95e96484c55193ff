import CSluiceBPF
import Model
import Planner
import Testing
@testable import Agent

/// The agent's clocks on draining memberships: held for the grace period, then let go.
struct TerminatingBackendsTests {
    static let service = """
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          clusterIPs: [10.96.0.10]
          selector: {app: web}
          ports: [{name: http, port: 80, targetPort: 8080}]
        ---

        """

    static func pod(_ name: String, ip: String, weight: String = "1") -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: \(name), labels: {app: web}, annotations: {sluice.dev/weight: "\(weight)"}}
        spec: {nodeName: n, containers: [{name: c, ports: [{containerPort: 8080}]}]}
        status: {phase: Running, podIP: \(ip), podIPs: [{ip: \(ip)}]}
        ---

        """
    }

    static func plan(_ yaml: String, _ allocations: inout ServiceAllocations) throws -> PlannedServices {
        ServicePlanner.plan(Cluster(manifests: try ManifestDecoder.decode(contents: yaml, file: "fixture.yaml")), allocations: &allocations)
    }

    @Test func aDeletedBackendIsHeldForTheGracePeriodThenLetGo() throws {
        var allocations = ServiceAllocations()
        var tracker = TerminatingBackends(grace: .seconds(30))
        let start = ContinuousClock.now
        let both = try Self.plan(Self.service + Self.pod("a", ip: "10.244.0.1") + Self.pod("b", ip: "10.244.0.2"), &allocations)
        #expect(tracker.update(planned: both, previous: nil, now: start).keep.isEmpty)
        let onlyA = try Self.plan(Self.service + Self.pod("a", ip: "10.244.0.1"), &allocations)

        let held = tracker.update(planned: onlyA, previous: both, now: start + .seconds(1))
        #expect(held.keep.count == 1 && held.keep.keys.first?.backend.address == IPAddress("10.244.0.2"))
        #expect(tracker.nextExpiry == start + .seconds(31))
        let drained = ServicePlanner.applyingDrain(onlyA, keep: held.keep, expired: held.expired)

        let stillHeld = tracker.update(planned: onlyA, previous: drained, now: start + .seconds(30))
        #expect(stillHeld.keep == held.keep)
        let over = tracker.update(planned: onlyA, previous: drained, now: start + .seconds(31))
        #expect(over.keep.isEmpty && over.expired.isEmpty, "gone from the plan: nothing to hold or drop")
        #expect(tracker.nextExpiry == nil)
    }

    @Test func aTerminatingBackendLeavesAfterTheGracePeriodAndComesBackWhenActiveAgain() throws {
        var allocations = ServiceAllocations()
        var tracker = TerminatingBackends(grace: .seconds(5))
        let start = ContinuousClock.now
        let draining = try Self.plan(Self.service + Self.pod("a", ip: "10.244.0.1", weight: "0"), &allocations)
        #expect(tracker.update(planned: draining, previous: nil, now: start).expired.isEmpty)
        let expired = tracker.update(planned: draining, previous: draining, now: start + .seconds(5)).expired
        #expect(expired.count == 1)
        #expect(ServicePlanner.applyingDrain(draining, keep: [:], expired: expired).members.isEmpty)
        #expect(tracker.nextExpiry == nil, "an expired membership does not keep the loop syncing")

        let active = try Self.plan(Self.service + Self.pod("a", ip: "10.244.0.1"), &allocations)
        #expect(tracker.update(planned: active, previous: draining, now: start + .seconds(6)).expired.isEmpty)
    }

    /// The sync tells the tracker which members may differ (the plan's delta and what draining
    /// touched); it must decide as one that looks at every member.
    @Test func aTrackerToldTheDeltaDecidesAsOneThatLooksAtEverything() throws {
        let other = """
            apiVersion: v1
            kind: Service
            metadata: {name: api}
            spec:
              clusterIPs: [10.96.0.11]
              selector: {app: web}
              ports: [{name: http, port: 81, targetPort: 8080}]
            ---

            """
        let steps = [
            Self.service + other + Self.pod("a", ip: "10.244.0.1") + Self.pod("b", ip: "10.244.0.2"),
            Self.service + other + Self.pod("a", ip: "10.244.0.1"),
            Self.service + other + Self.pod("a", ip: "10.244.0.1", weight: "0") + Self.pod("c", ip: "10.244.0.3"),
            Self.service + Self.pod("c", ip: "10.244.0.3"),
            Self.service + other + Self.pod("a", ip: "10.244.0.1") + Self.pod("b", ip: "10.244.0.2"),
            Self.service + other + Self.pod("a", ip: "10.244.0.1") + Self.pod("b", ip: "10.244.0.2"),
        ]
        var allocations = ServiceAllocations()
        var told = TerminatingBackends(grace: .seconds(3))
        var looking = TerminatingBackends(grace: .seconds(3))
        let start = ContinuousClock.now
        var last: (cluster: Cluster, plan: PlannedServices, drained: PlannedServices, entries: ServiceDelta)?
        for (index, yaml) in steps.enumerated() {
            let cluster = Cluster(manifests: try ManifestDecoder.decode(contents: yaml, file: "fixture.yaml"))
            var changes = ServiceChanges()
            for (ref, _) in cluster.services { changes.services.insert(ref) }
            for (ref, _) in last?.cluster.services ?? [:] { changes.services.insert(ref) }
            changes.notePods(from: last?.cluster.pods ?? [:], to: cluster.pods)
            let plan = ServicePlanner.plan(cluster, allocations: &allocations, changes: last == nil ? nil : changes)
            var touched: ServiceDelta?
            if let last {
                touched = plan.generation == last.plan.generation ? ServiceDelta(base: plan.generation) : plan.delta
                touched?.formUnion(last.entries)
            }
            let now = start + .seconds(index * 2)
            let a = told.update(planned: plan, previous: last?.drained, touched: touched, now: now)
            let b = looking.update(planned: plan, previous: last?.drained, now: now)
            #expect(a.keep == b.keep, "step \(index): held")
            #expect(a.expired == b.expired, "step \(index): dropped")
            let entries = ServicePlanner.drainedEntries(plan, keep: a.keep, expired: a.expired)
            last = (cluster, plan, ServicePlanner.applyingDrain(plan, keep: a.keep, expired: a.expired), entries)
        }
    }
}
