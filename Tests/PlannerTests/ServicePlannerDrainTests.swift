import CSluiceBPF
import Model
import Testing
@testable import Planner

/// Terminating backends held for their grace period by `applyingDrain`.
struct ServicePlannerDrainTests {
    static let pods = ServicePlannerTests.backendPod("a", ip: "10.244.1.1")
        + ServicePlannerTests.backendPod("b", ip: "10.244.1.2")

    @Test func aBackendGoneFromThePlanComesBackAsTerminatingUnderItsOldIdAndOutOfTheTable() throws {
        var allocations = ServiceAllocations()
        let before = try ServicePlannerTests.plan(ServicePlannerTests.webService + Self.pods, allocations: &allocations)
        let after = try ServicePlannerTests.plan(ServicePlannerTests.webService
            + ServicePlannerTests.backendPod("a", ip: "10.244.1.1"), allocations: &allocations)
        let gone = ServicePlanner.memberships(before).filter { $0.key.backend.address == IPAddress("10.244.1.2") }
        #expect(gone.count == 2, "http and dns")
        let keep = gone.mapValues(\.backendID)

        let drained = ServicePlanner.applyingDrain(after, keep: keep, expired: [])
        for (membership, ids) in gone {
            let key = sluice_service_member_key(service_id: ids.serviceID, backend_id: ids.backendID)
            #expect(drained.members[key]?.state == SLUICE_MEMBER_TERMINATING.rawValue, "\(membership)")
            #expect(drained.backends[ids.backendID] == before.backends[ids.backendID])
            #expect(drained.tables[ids.serviceID] == after.tables[ids.serviceID], "no new flow goes there")
        }
        #expect(drained.frontends == after.frontends)
    }

    /// As the EndpointSlice controller reads pods: one being deleted drains while Ready, is no
    /// backend once not Ready, and stays active under `publishNotReadyAddresses`.
    @Test func aPodBeingDeletedDrainsWhileReady() throws {
        func states(_ service: String, ready: String?) throws -> Set<UInt32> {
            let deleting = ServicePlannerTests.backendPod("a", ip: "10.244.1.1", ready: ready)
                .replacingOccurrences(of: "annotations: {}", with: "annotations: {}, deletionTimestamp: \"2026-12-07T01:00:00Z\"")
            let planned = try ServicePlannerTests.plan(service + deleting + ServicePlannerTests.backendPod("b", ip: "10.244.1.2"))
            return Set(ServicePlanner.memberships(planned).filter { $0.key.backend.address == IPAddress("10.244.1.1") }.map(\.value.state))
        }
        #expect(try states(ServicePlannerTests.webService, ready: "True") == [SLUICE_MEMBER_TERMINATING.rawValue])
        #expect(try states(ServicePlannerTests.webService, ready: nil) == [SLUICE_MEMBER_TERMINATING.rawValue])
        #expect(try states(ServicePlannerTests.webService, ready: "False").isEmpty)
        let published = ServicePlannerTests.webService.replacingOccurrences(of: "selector: {app: web}",
                                                                           with: "selector: {app: web}\n  publishNotReadyAddresses: true")
        #expect(try states(published, ready: "False") == [SLUICE_MEMBER_ACTIVE.rawValue])
    }

    @Test func anExpiredTerminatingMembershipLeavesThePlan() throws {
        let planned = try ServicePlannerTests.plan(ServicePlannerTests.webService + Self.pods
            .replacingOccurrences(of: "annotations: {}", with: "annotations: {sluice.dev/weight: \"0\"}"))
        let terminating = ServicePlanner.memberships(planned).filter { $0.value.state == SLUICE_MEMBER_TERMINATING.rawValue }
        #expect(!terminating.isEmpty)
        let drained = ServicePlanner.applyingDrain(planned, keep: [:], expired: Set(terminating.keys))
        #expect(ServicePlanner.memberships(drained).allSatisfy { $0.value.state != SLUICE_MEMBER_TERMINATING.rawValue })
    }

    @Test func aKeptMembershipWhoseIdNowNamesAnotherBackendIsDropped() throws {
        let planned = try ServicePlannerTests.plan(ServicePlannerTests.webService + Self.pods)
        let (membership, ids) = try #require(ServicePlanner.memberships(planned).first)
        var stranger = membership
        stranger.backend = BackendRef(address: try #require(IPAddress("10.244.9.9")), port: 8080, protocol: .tcp)
        let drained = ServicePlanner.applyingDrain(planned, keep: [stranger: ids.backendID], expired: [])
        #expect(drained == planned)
    }
}
