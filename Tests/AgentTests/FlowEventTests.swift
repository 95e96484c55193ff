@testable import Agent
import CSluiceBPF
import Foundation
import Planner
import Testing

/// Datapath records turned into API events, the queries that pick them and
/// the bounded history that keeps them; no kernel needed.
struct FlowEventTests {
    static let yaml = pod("web", labels: ["app": "web"], ip: "10.0.0.2")
        + pod("client", labels: ["app": "client"], ip: "10.0.0.3")
        + pod("remote", labels: ["app": "remote"], ip: "10.1.0.5", node: "node-b")
        + """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: only-client, namespace: default}
        spec:
          podSelector: {matchLabels: {app: web}}
          ingress:
            - from: [{podSelector: {matchLabels: {app: client}}}]
        """

    private func record(_ type: sluice_event_type, reason: sluice_reason, endpointID: UInt32, policyID: UInt32 = 0,
                        from source: [UInt8], to destination: [UInt8]) -> sluice_event {
        var event = sluice_event()
        event.timestamp_ns = 5_000_000_000
        event.type = UInt8(type.rawValue)
        event.direction = UInt8(SLUICE_DIR_INGRESS.rawValue)
        event.family = UInt8(SLUICE_FAMILY_IPV4.rawValue)
        event.protocol = 6
        event.reason = UInt16(reason.rawValue)
        event.tcp_flags = 0x02
        event.endpoint_id = endpointID
        event.policy_id = policyID
        event.identity = 300
        withUnsafeMutableBytes(of: &event.saddr) { $0.copyBytes(from: source) }
        withUnsafeMutableBytes(of: &event.daddr) { $0.copyBytes(from: destination) }
        event.sport = UInt16(40000).bigEndian
        event.dport = UInt16(80).bigEndian
        return event
    }

    @Test func dropIsNamedWithBothPodsAndThePoliciesIsolatingTheDestination() throws {
        let node = try PlannedNode(Self.yaml)
        let web = try #require(node.plan.endpoints.first { $0.pod.name == "web" })
        let event = FlowEvent(record(SLUICE_EVENT_DROP, reason: SLUICE_REASON_DROP_POLICY, endpointID: web.endpointID,
                                     from: [10, 1, 0, 5], to: [10, 0, 0, 2]),
                              names: FlowNames(snapshot: node.snapshot), wallClockOffset: 1_700_000_000)
        #expect(event.type == "drop" && event.verdict == "dropped" && event.reason == "policy_denied")
        #expect(event.direction == "ingress" && event.protocol == "TCP" && event.tcpFlags == "SYN")
        #expect(event.source == .init(ip: "10.1.0.5", port: 40000, namespace: "default", pod: "remote", identity: 300))
        #expect(event.destination == .init(ip: "10.0.0.2", port: 80, namespace: "default", pod: "web"))
        #expect(event.deniedBy == ["default/only-client"])
        #expect(event.policy == nil)
        #expect(event.date == Date(timeIntervalSince1970: 1_700_000_005))
    }

    @Test func allowedFirstPacketNamesTheAllowingPolicy() throws {
        let node = try PlannedNode(Self.yaml)
        let web = try #require(node.plan.endpoints.first { $0.pod.name == "web" })
        let policyID = try #require(node.plan.policyNames.first { $0.value.name == "only-client" }?.key)
        let event = FlowEvent(record(SLUICE_EVENT_VERDICT, reason: SLUICE_REASON_POLICY_ALLOWED, endpointID: web.endpointID,
                                     policyID: policyID, from: [10, 0, 0, 3], to: [10, 0, 0, 2]),
                              names: FlowNames(snapshot: node.snapshot), wallClockOffset: 0)
        #expect(event.verdict == "allowed" && event.reason == "policy_allowed")
        #expect(event.policy == "default/only-client")
        #expect(event.deniedBy == nil)
        #expect(event.source.pod == "client")
    }

    @Test func queryReadsDurationsAndTimesAndRefusesWhatItCannotRead() throws {
        let now = Date(timeIntervalSince1970: 1_000)
        #expect(try FlowQuery(parameters: ["since": "30s"], now: now).since == Date(timeIntervalSince1970: 970))
        #expect(try FlowQuery(parameters: ["since": "250ms"], now: now).since == Date(timeIntervalSince1970: 999.75))
        #expect(try FlowQuery(parameters: ["since": "2m"], now: now).since == Date(timeIntervalSince1970: 880))
        #expect(try FlowQuery(parameters: ["since": "1970-01-01T00:10:00Z"]).since == Date(timeIntervalSince1970: 600))
        let full = try FlowQuery(parameters: ["last": "5", "verdict": "Dropped", "port": "53", "follow": "true",
                                              "protocol": "udp", "namespace": "a", "pod": "a/b"])
        #expect(full.last == 5 && full.verdict == "dropped" && full.port == 53 && full.follow)
        for bad in [["since": "yesterday"], ["last": "0"], ["verdict": "maybe"], ["port": "70000"],
                    ["follow": "yes"], ["colour": "red"]] {
            #expect(throws: FlowQueryError.self, "\(bad)") { try FlowQuery(parameters: bad) }
        }
    }

    @Test func historyKeepsTheNewestEventsOldestFirstAndFiltersThem() throws {
        let history = FlowHistory(capacity: 3)
        let events = (1...5).map { index in
            FlowEvent(time: FlowEvent.formatTime(Date(timeIntervalSince1970: Double(index))), type: "drop",
                      verdict: index.isMultiple(of: 2) ? "allowed" : "dropped", reason: "policy_denied",
                      direction: "ingress", protocol: "TCP", source: .init(ip: "10.0.0.1"),
                      destination: .init(ip: "10.0.0.2", port: UInt16(index)))
        }
        history.append(Array(events[..<2]))
        history.append(Array(events[2...]))
        #expect(history.recent(matching: FlowQuery()).map(\.destination.port) == [3, 4, 5])
        var query = FlowQuery()
        query.verdict = "dropped"
        #expect(history.recent(matching: query).map(\.destination.port) == [3, 5])
        query.last = 1
        #expect(history.recent(matching: query).map(\.destination.port) == [5])
        var since = FlowQuery()
        since.since = Date(timeIntervalSince1970: 4)
        #expect(history.recent(matching: since).map(\.destination.port) == [4, 5])
        #expect(history.eventsRead == 5)
    }
}
