import BPF
import CSluiceBPF
import Glibc
import Testing

/// tc_node.bpf.o on crafted frames: DNAT at ingress, reverse SNAT at egress, bytes and checksums.
@Suite(.serialized, .enabled(if: getuid() == 0, "loading BPF needs root"))
struct NodePortTranslationTests {
    /// tc action codes (linux/pkt_cls.h), which the C module does not import.
    static let ok: UInt32 = 0
    static let shot: UInt32 = 2

    struct Case: CustomStringConvertible {
        var client: String
        var node: String
        var frontend: String
        var backend: String
        var proto: Int
        var description: String { "\(frontend) \(proto == IPPROTO_TCP ? "tcp" : "udp")" }
    }

    static let cases: [Case] = [
        Case(client: "10.77.0.9", node: "10.77.1.1", frontend: "0.0.0.0", backend: "10.77.2.5", proto: IPPROTO_TCP),
        Case(client: "10.77.0.9", node: "10.77.1.1", frontend: "0.0.0.0", backend: "10.77.2.5", proto: IPPROTO_UDP),
        Case(client: "fd00:77::9", node: "fd00:77:1::1", frontend: "::", backend: "fd00:77:2::5", proto: IPPROTO_TCP),
        Case(client: "fd00:77::9", node: "fd00:77:1::1", frontend: "::", backend: "fd00:77:2::5", proto: IPPROTO_UDP),
    ]

    @Test(arguments: cases)
    func nodePortIsTranslatedToTheBackendAndRepliesBackToTheNodeAddress(_ c: Case) throws {
        let lb = try LoadedNodePort()
        defer { lb.teardown() }
        try lb.addService(id: 3, frontend: c.frontend, port: 30080, proto: c.proto, backends: [(7, c.backend, 8080)])

        let request = try NodePortPacket(from: c.client, 40001, to: c.node, 30080, proto: c.proto)
        let inbound = try lb.fromNetwork.testRun(request.bytes)
        #expect(inbound.retval == Self.ok)
        var expected = request
        expected.destination = try LoadedSocketLB.address(c.backend).1
        expected.destinationPort = 8080
        #expect(inbound.output == expected.bytes, "DNAT gives exactly the frame built for the backend")
        #expect(NodePortPacket.checksumsVerify(inbound.output))

        let reply = try NodePortPacket(from: c.backend, 8080, to: c.client, 40001, proto: c.proto)
        let outbound = try lb.toNetwork.testRun(reply.bytes)
        #expect(outbound.retval == Self.ok)
        var back = reply
        back.source = try LoadedSocketLB.address(c.node).1
        back.sourcePort = 30080
        #expect(outbound.output == back.bytes, "the reply leaves from the address and port the client used")
        #expect(NodePortPacket.checksumsVerify(outbound.output))
    }

    @Test func clusterIPPacketsFromOutsideAreTranslatedToo() throws {
        let lb = try LoadedNodePort()
        defer { lb.teardown() }
        try lb.addService(id: 4, frontend: "10.96.0.10", port: 80, proto: IPPROTO_TCP, backends: [(9, "10.77.2.6", 8080)])
        let request = try NodePortPacket(from: "10.77.0.9", 40002, to: "10.96.0.10", 80, proto: IPPROTO_TCP)
        let inbound = try lb.fromNetwork.testRun(request.bytes)
        let fields = NodePortPacket.parse(inbound.output)
        #expect(fields.destination == [10, 77, 2, 6] && fields.destinationPort == 8080)
        #expect(NodePortPacket.checksumsVerify(inbound.output))

        let reply = try NodePortPacket(from: "10.77.2.6", 8080, to: "10.77.0.9", 40002, proto: IPPROTO_TCP)
        let back = NodePortPacket.parse(try lb.toNetwork.testRun(reply.bytes).output)
        #expect(back.source == [10, 96, 0, 10] && back.sourcePort == 80)
    }

    @Test func aZeroUDPChecksumStaysZero() throws {
        let lb = try LoadedNodePort()
        defer { lb.teardown() }
        try lb.addService(id: 3, frontend: "0.0.0.0", port: 30053, proto: IPPROTO_UDP, backends: [(7, "10.77.2.5", 53)])
        var request = try NodePortPacket(from: "10.77.0.9", 40003, to: "10.77.1.1", 30053, proto: IPPROTO_UDP)
        request.zeroUDPChecksum = true
        let inbound = try lb.fromNetwork.testRun(request.bytes)
        #expect(NodePortPacket.parse(inbound.output).destinationPort == 53)
        #expect(NodePortPacket.transportChecksum(inbound.output) == 0)
    }

    @Test func anEstablishedFlowKeepsItsBackendWhileANewFlowTakesTheNewTable() throws {
        let lb = try LoadedNodePort()
        defer { lb.teardown() }
        try lb.addService(id: 5, frontend: "0.0.0.0", port: 30081, proto: IPPROTO_TCP, backends: [(1, "10.77.2.1", 8080)])
        let first = try NodePortPacket(from: "10.77.0.9", 41000, to: "10.77.1.1", 30081, proto: IPPROTO_TCP)
        let reused = try NodePortPacket(from: "10.77.0.9", 41005, to: "10.77.1.1", 30081, proto: IPPROTO_TCP)
        for packet in [first, reused] {
            #expect(NodePortPacket.parse(try lb.fromNetwork.testRun(packet.bytes).output).destination == [10, 77, 2, 1])
        }

        // Backend 1 drains: still a member, out of the table that now holds backend 2 only.
        try lb.setBackend(2, address: "10.77.2.2", port: 8080)
        try lb.members.update(sluice_service_member_key(service_id: 5, backend_id: 2),
                              sluice_service_member_value(state: SLUICE_MEMBER_ACTIVE.rawValue, weight: 1))
        try lb.members.update(sluice_service_member_key(service_id: 5, backend_id: 1),
                              sluice_service_member_value(state: SLUICE_MEMBER_TERMINATING.rawValue, weight: 1))
        try lb.setTable(5, backendIDs: [2])

        var established = first
        established.tcpFlags = 0x10
        #expect(NodePortPacket.parse(try lb.fromNetwork.testRun(established.bytes).output).destination == [10, 77, 2, 1],
                "the established flow stays on its draining backend")
        let second = try NodePortPacket(from: "10.77.0.9", 41001, to: "10.77.1.1", 30081, proto: IPPROTO_TCP)
        #expect(NodePortPacket.parse(try lb.fromNetwork.testRun(second.bytes).output).destination == [10, 77, 2, 2])
        // A SYN on a draining flow's tuple is a new connection from a reused port: it takes the new table.
        #expect(NodePortPacket.parse(try lb.fromNetwork.testRun(reused.bytes).output).destination == [10, 77, 2, 2],
                "a new connection on a reused tuple goes to a backend that takes new flows")

        // Once backend 1 is no member at all (grace over, or removed), the established flow moves.
        #expect(try lb.members.delete(sluice_service_member_key(service_id: 5, backend_id: 1)))
        #expect(NodePortPacket.parse(try lb.fromNetwork.testRun(established.bytes).output).destination == [10, 77, 2, 2])
    }

    @Test func aServiceWithoutBackendsDropsAndCounts() throws {
        let lb = try LoadedNodePort()
        defer { lb.teardown() }
        try lb.addService(id: 6, frontend: "0.0.0.0", port: 30082, proto: IPPROTO_UDP, backends: [])
        let request = try NodePortPacket(from: "10.77.0.9", 40004, to: "10.77.1.1", 30082, proto: IPPROTO_UDP)
        #expect(try lb.fromNetwork.testRun(request.bytes).retval == Self.shot)
        #expect(try lb.noBackend(service: 6) == 1)
    }

    @Test func packetsToNoServiceAndUnknownRepliesPassUntouched() throws {
        let lb = try LoadedNodePort()
        defer { lb.teardown() }
        try lb.addService(id: 3, frontend: "0.0.0.0", port: 30080, proto: IPPROTO_TCP, backends: [(7, "10.77.2.5", 8080)])
        let otherPort = try NodePortPacket(from: "10.77.0.9", 40005, to: "10.77.1.1", 22, proto: IPPROTO_TCP)
        let otherProto = try NodePortPacket(from: "10.77.0.9", 40005, to: "10.77.1.1", 30080, proto: IPPROTO_UDP)
        for packet in [otherPort, otherProto] {
            let result = try lb.fromNetwork.testRun(packet.bytes)
            #expect(result.retval == Self.ok && result.output == packet.bytes)
        }
        let stranger = try NodePortPacket(from: "10.77.2.5", 8080, to: "10.77.0.99", 40005, proto: IPPROTO_TCP)
        let result = try lb.toNetwork.testRun(stranger.bytes)
        #expect(result.retval == Self.ok && result.output == stranger.bytes)
    }

    @Test func newFlowsSpreadOverTheBackendsByTheirFiveTuple() throws {
        let lb = try LoadedNodePort()
        defer { lb.teardown() }
        let backends: [(id: UInt32, address: String, port: UInt16)] =
            [(1, "10.77.2.1", 8080), (2, "10.77.2.2", 8080), (3, "10.77.2.3", 8080)]
        try lb.addService(id: 8, frontend: "0.0.0.0", port: 30083, proto: IPPROTO_TCP, backends: backends)
        var counts: [[UInt8]: Int] = [:]
        for sourcePort in UInt16(42000)..<42300 {
            let request = try NodePortPacket(from: "10.77.0.9", sourcePort, to: "10.77.1.1", 30083, proto: IPPROTO_TCP)
            counts[NodePortPacket.parse(try lb.fromNetwork.testRun(request.bytes).output).destination, default: 0] += 1
        }
        // binomial(300, 1/3): sd 8.2; 70...130 is beyond 3.6 sd.
        #expect(counts.count == 3, "\(counts)")
        for (backend, count) in counts { #expect((70...130).contains(count), "\(backend): \(count) of 300") }
    }
}
