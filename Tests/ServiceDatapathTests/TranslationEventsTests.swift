import BPF
import CSluiceBPF
import Glibc
import Testing
import TestSupport

/// Service translation events of the socket load balancer: one per
/// translated connect(), none for datagrams of unconnected sockets.
@Suite(.enabled(if: getuid() == 0, "loads BPF and makes namespaces and cgroups: needs root"), .serialized)
struct TranslationEventsTests {
    @Test func connectToAVIPReportsOneTranslationWithFrontendAndBackend() throws {
        try SocketLBTests.withBackends { topology, lb, v4, _ in
            try lb.addService(id: 1, vip: "10.96.0.10", port: 80, backends: v4)
            let ring = try BPFRingBuffer(pinnedAt: lb.pins.path + "/" + SLUICE_MAP_EVENTS)
            let probe = try PeerProbe.run(from: topology.pods[0], to: "10.96.0.10", port: 80, mode: .tcp, cgroup: lb.cgroup)
            let server = try #require(probe.server, "\(probe)")

            let events = try ring.poll(as: sluice_event.self, timeoutMilliseconds: 0)
            try #require(events.count == 1, "\(events.count) events")
            let event = events[0]
            let backend = try #require(v4.first { topology.pod(named: server)?.ipv4 == $0.address })
            #expect(event.type == UInt8(SLUICE_EVENT_TRANSLATION.rawValue))
            #expect(event.family == UInt8(SLUICE_FAMILY_IPV4.rawValue))
            #expect(event.protocol == UInt8(IPPROTO_TCP))
            #expect(event.service_id == 1)
            #expect(Self.ipv4(event.daddr) == "10.96.0.10" && UInt16(bigEndian: event.dport) == 80)
            #expect(Self.ipv4(event.nat_addr) == backend.address && UInt16(bigEndian: event.nat_port) == backend.port)
        }
    }

    @Test func datagramsOfUnconnectedSocketsReportNothing() throws {
        try SocketLBTests.withBackends { topology, lb, v4, _ in
            let udp = v4.map { LoadedSocketLB.Backend(id: $0.id, address: $0.address, port: SocketLBTests.udpPort) }
            try lb.addService(id: 1, vip: "10.96.0.10", port: 53, protocol: UInt8(IPPROTO_UDP), backends: udp)
            let ring = try BPFRingBuffer(pinnedAt: lb.pins.path + "/" + SLUICE_MAP_EVENTS)
            let probe = try PeerProbe.run(from: topology.pods[0], to: "10.96.0.10", port: 53, mode: .udpSendto, cgroup: lb.cgroup)
            #expect(probe.server != nil, "\(probe)")
            #expect(try lb.connections(service: 1) >= 1)
            #expect(try ring.poll(as: sluice_event.self, timeoutMilliseconds: 0).isEmpty)
        }
    }

    private static func ipv4(_ raw: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)) -> String {
        withUnsafeBytes(of: raw) { $0.prefix(4).map(String.init).joined(separator: ".") }
    }
}
