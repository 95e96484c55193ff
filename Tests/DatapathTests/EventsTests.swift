import BPF
import CSluiceBPF
import Foundation
import Glibc
import Testing

/// The datapath's flow and drop events: what a packet reports through the
/// ring buffer, what it does not, and the per-CPU rate that caps them.
@Suite(.enabled(if: getuid() == 0, "loading BPF programs needs root"))
struct EventsTests {
    typealias N = TestNetwork

    @Test func dropEmitsExactlyOneEventWithTheFlowsFields() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(N.setup())
            let events = try EventTap(datapath)
            let syn = N.outbound(.tcp(sport: N.ephemeralPort, dport: 80))
            #expect(try datapath.run(.fromPod, syn).retval == TCAction.shot)

            let received = try events.drain()
            try #require(received.count == 1)
            let event = received[0]
            #expect(event.type == UInt8(SLUICE_EVENT_DROP.rawValue))
            #expect(event.direction == UInt8(SLUICE_DIR_EGRESS.rawValue))
            #expect(event.reason == UInt16(SLUICE_REASON_DROP_POLICY.rawValue))
            #expect(event.family == N.pod4.family)
            #expect(event.protocol == 6)
            #expect(event.ifindex == LoadedDatapath.testRunIfindex)
            #expect(event.endpoint_id == N.endpointID)
            #expect(event.identity == N.peerIdentity)
            #expect(event.policy_id == 0)
            #expect(withUnsafeBytes(of: event.saddr) { Array($0) } == N.pod4.abiBytes)
            #expect(withUnsafeBytes(of: event.daddr) { Array($0) } == N.peer4.abiBytes)
            #expect(UInt16(bigEndian: event.sport) == N.ephemeralPort)
            #expect(UInt16(bigEndian: event.dport) == 80)
            #expect(event.service_id == 0)
        }
    }

    @Test func firstPacketOfAnAllowedFlowReportsItsPolicyAndLaterPacketsReportNothing() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(N.setup(rules: [N.rule(SLUICE_DIR_INGRESS, 6, port: 8080, policyID: 23)]))
            let events = try EventTap(datapath)
            let syn = N.inbound(from: N.peer6, .tcp(sport: N.ephemeralPort, dport: 8080))
            #expect(try datapath.run(.toPod, syn).retval == TCAction.ok)
            #expect(try datapath.run(.toPod, syn).counted.map(\.reason) == [SLUICE_REASON_CT_ESTABLISHED.rawValue])

            let received = try events.drain()
            try #require(received.count == 1)
            #expect(received[0].type == UInt8(SLUICE_EVENT_VERDICT.rawValue))
            #expect(received[0].direction == UInt8(SLUICE_DIR_INGRESS.rawValue))
            #expect(received[0].reason == UInt16(SLUICE_REASON_POLICY_ALLOWED.rawValue))
            #expect(received[0].policy_id == 23)
            #expect(received[0].family == N.peer6.family)
            #expect(received[0].identity == N.peerIdentity)
            #expect(withUnsafeBytes(of: received[0].saddr) { Array($0) } == N.peer6.abiBytes)
        }
    }

    @Test func auditedFlowReportsAuditNotDrop() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(N.setup(flags: N.enforceBoth | N.audit))
            let events = try EventTap(datapath)
            _ = try datapath.run(.fromPod, N.outbound(to: N.stranger4, .udp(sport: 5353, dport: 53)))

            let received = try events.drain()
            #expect(received.map(\.type) == [UInt8(SLUICE_EVENT_VERDICT.rawValue)])
            #expect(received.map(\.reason) == [UInt16(SLUICE_REASON_AUDIT.rawValue)])
            #expect(received.map(\.identity) == [N.world])
        }
    }

    @Test func rateLimitCapsEventsWhileCountersStayExact() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(N.setup())
            let events = try EventTap(datapath)
            let syn = N.outbound(.tcp(sport: N.ephemeralPort, dport: 80))
            // Twice one second's budget, far faster than a second: BPF_PROG_TEST_RUN
            // repeats on one CPU, so one bucket sees them all.
            let packets = 2 * UInt64(SLUICE_EVENTS_PER_SECOND)
            let before = try datapath.metricsSnapshot()
            let start = ContinuousClock.now
            _ = try datapath.program(.fromPod).testRun(syn.bytes, repeat: UInt32(packets))
            let elapsed = ContinuousClock.now - start

            let counted = try datapath.metricsSnapshot().changes(since: before)
            #expect(counted.map(\.packets) == [packets])
            let sent = UInt64(try events.drain().count)
            let state = try events.state()
            let refill = UInt64(Double(SLUICE_EVENTS_PER_SECOND) * (Double(elapsed.components.seconds)
                + Double(elapsed.components.attoseconds) / 1e18)) + 1
            #expect(sent >= UInt64(SLUICE_EVENTS_PER_SECOND) - 1)
            #expect(sent <= UInt64(SLUICE_EVENTS_PER_SECOND) + refill)
            #expect(state.lost_ringbuf == 0)
            #expect(sent + state.lost_ratelimit == packets)
        }
    }
}

/// The ring buffer and the event state of a loaded datapath, opened through its pins.
private struct EventTap {
    let ring: BPFRingBuffer
    let stateMap: BPFPerCPUMap<UInt32, sluice_event_state>

    init(_ datapath: LoadedDatapath) throws {
        let pins = try #require(datapath.object.pinDirectory)
        ring = try BPFRingBuffer(pinnedAt: pins + "/" + SLUICE_MAP_EVENTS)
        stateMap = try BPFPerCPUMap(pinnedAt: pins + "/" + SLUICE_MAP_EVENT_STATE)
    }

    /// Every event waiting now; the programs have returned, so nothing more is on its way.
    func drain() throws -> [sluice_event] {
        var events: [sluice_event] = []
        for _ in 0..<64 {
            let batch = try ring.poll(as: sluice_event.self, timeoutMilliseconds: 0)
            if batch.isEmpty { break }
            events += batch
        }
        return events
    }

    /// The event state summed over CPUs.
    func state() throws -> sluice_event_state {
        let perCPU = try stateMap.lookup(0) ?? []
        return perCPU.reduce(into: sluice_event_state()) { sum, cpu in
            sum.lost_ringbuf += cpu.lost_ringbuf
            sum.lost_ratelimit += cpu.lost_ratelimit
        }
    }
}

/// The event record as Swift imports it: where abi.h and events.h put each field.
@Suite struct EventLayoutTests {
    @Test func eventRecordLayoutMatchesTheHeader() {
        #expect(MemoryLayout<sluice_event>.size == 96)
        #expect(MemoryLayout<sluice_event_state>.size == 32)
        let offsets: [(PartialKeyPath<sluice_event>, Int)] = [
            (\.timestamp_ns, 0), (\.type, 8), (\.direction, 9), (\.family, 10), (\.protocol, 11), (\.reason, 12),
            (\.tcp_flags, 14), (\.ifindex, 16), (\.endpoint_id, 20), (\.policy_id, 24), (\.identity, 28),
            (\.saddr, 32), (\.daddr, 48), (\.sport, 64), (\.dport, 66), (\.service_id, 68), (\.nat_addr, 72),
            (\.nat_port, 88),
        ]
        for (field, offset) in offsets {
            #expect(MemoryLayout<sluice_event>.offset(of: field) == offset, "\(field)")
        }
    }
}
