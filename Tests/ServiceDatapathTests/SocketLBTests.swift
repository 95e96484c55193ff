import CSluiceBPF
import Glibc
import Testing
import TestSupport

/// sock_lb.bpf.o on a test cgroup, driven by real sockets of processes in pod namespaces:
/// what connect, sendmsg, recvmsg and getpeername make of a VIP.
@Suite(.enabled(if: getuid() == 0, "loads BPF and makes namespaces and cgroups: needs root"), .serialized)
struct SocketLBTests {
    static let tcpPort: UInt16 = 8080
    static let udpPort: UInt16 = 5353

    /// A client pod and three backends answering with their names on TCP 8080 and UDP 5353.
    static func withBackends(_ body: (Topology, LoadedSocketLB, [LoadedSocketLB.Backend], [LoadedSocketLB.Backend]) throws -> Void) throws {
        let topology = try makeTopology(podNames: ["client", "b0", "b1", "b2"])
        defer { topology.teardown() }
        for pod in topology.pods.dropFirst() { try pod.serve(tcp: [tcpPort], udp: [udpPort]) }
        let lb = try LoadedSocketLB()
        defer { lb.teardown() }
        let pods = Array(topology.pods.dropFirst())
        let v4 = pods.enumerated().map { LoadedSocketLB.Backend(id: UInt32(10 + $0.offset), address: $0.element.ipv4, port: tcpPort) }
        let v6 = pods.enumerated().map { LoadedSocketLB.Backend(id: UInt32(20 + $0.offset), address: $0.element.ipv6, port: tcpPort) }
        try body(topology, lb, v4, v6)
    }

    @Test func connectToTheVIPReachesEveryBackendAndGetpeernameShowsTheVIP() throws {
        try Self.withBackends { topology, lb, v4, v6 in
            try lb.addService(id: 1, vip: "10.96.0.10", port: 80, backends: v4)
            try lb.addService(id: 2, vip: "fd00:96::10", port: 80, backends: v6)
            let client = topology.pods[0]
            var seen: [String: Int] = [:]
            for _ in 0..<15 {
                let probe = try PeerProbe.run(from: client, to: "10.96.0.10", port: 80, mode: .tcp, cgroup: lb.cgroup)
                #expect(probe.peer == "10.96.0.10:80", "\(probe)")
                seen[probe.server ?? "none", default: 0] += 1
            }
            #expect(Set(seen.keys) == ["b0", "b1", "b2"], "\(seen)")
            let v6Probe = try PeerProbe.run(from: client, to: "fd00:96::10", port: 80, mode: .tcp, cgroup: lb.cgroup)
            #expect(v6Probe.peer == "[fd00:96::10]:80" && v6Probe.server?.hasPrefix("b") == true, "\(v6Probe)")

            let noBackend = try lb.noBackend(service: 1)
            let perBackend = try v4.map { try lb.connections(backend: $0.id) }
            #expect(try lb.connections(service: 1) == 15, "no backend: \(noBackend), per backend: \(perBackend) \(v4)")
            #expect(try v4.map { try lb.connections(backend: $0.id) }.reduce(0, +) == 15)
            #expect(try lb.connections(service: 2) == 1)
        }
    }

    @Test func socketsOutsideTheCgroupAreNotTranslated() throws {
        try Self.withBackends { topology, lb, v4, _ in
            try lb.addService(id: 1, vip: "10.96.0.10", port: 80, backends: v4)
            let probe = try PeerProbe.run(from: topology.pods[0], to: "10.96.0.10", port: 80, mode: .tcp, cgroup: nil,
                                          timeout: .milliseconds(300))
            #expect(probe.server == nil, "\(probe)")
            #expect(try lb.connections(service: 1) == 0)
        }
    }

    @Test func dualStackSocketConnectingToAMappedIPv4VIPIsTranslated() throws {
        try Self.withBackends { topology, lb, v4, _ in
            try lb.addService(id: 1, vip: "10.96.0.10", port: 80, backends: v4)
            let probe = try PeerProbe.run(from: topology.pods[0], to: "::ffff:10.96.0.10", port: 80, mode: .tcp, cgroup: lb.cgroup)
            #expect(probe.peer == "[::ffff:10.96.0.10]:80" && probe.server?.hasPrefix("b") == true, "\(probe)")
        }
    }

    @Test(arguments: [PeerProbe.Mode.udpConnected, .udpSendto])
    func udpRepliesComeFromTheVIP(mode: PeerProbe.Mode) throws {
        try Self.withBackends { topology, lb, v4, v6 in
            let udp4 = v4.map { LoadedSocketLB.Backend(id: $0.id, address: $0.address, port: Self.udpPort) }
            let udp6 = v6.map { LoadedSocketLB.Backend(id: $0.id, address: $0.address, port: Self.udpPort) }
            try lb.addService(id: 3, vip: "10.96.0.53", port: 53, protocol: UInt8(IPPROTO_UDP), backends: udp4)
            try lb.addService(id: 4, vip: "fd00:96::53", port: 53, protocol: UInt8(IPPROTO_UDP), backends: udp6)
            let client = topology.pods[0]
            let probe4 = try PeerProbe.run(from: client, to: "10.96.0.53", port: 53, mode: mode, cgroup: lb.cgroup)
            #expect(probe4.peer == "10.96.0.53:53" && probe4.server?.hasPrefix("b") == true, "\(probe4)")
            let probe6 = try PeerProbe.run(from: client, to: "fd00:96::53", port: 53, mode: mode, cgroup: lb.cgroup)
            #expect(probe6.peer == "[fd00:96::53]:53" && probe6.server?.hasPrefix("b") == true, "\(probe6)")
            #expect(try lb.connections(service: 3) == 1 && lb.connections(service: 4) == 1)
        }
    }

    @Test func serviceWithoutBackendRefusesAtOnceAndCountsIt() throws {
        try Self.withBackends { topology, lb, v4, _ in
            let draining = v4.map { LoadedSocketLB.Backend(id: $0.id, address: $0.address, port: $0.port,
                                                            state: SLUICE_MEMBER_TERMINATING, inTable: false) }
            try lb.addService(id: 5, vip: "10.96.0.99", port: 80, backends: draining)
            try lb.addService(id: 6, vip: "10.96.0.99", port: 53, protocol: UInt8(IPPROTO_UDP), backends: [])
            let client = topology.pods[0]
            let tcp = try PeerProbe.run(from: client, to: "10.96.0.99", port: 80, mode: .tcp, cgroup: lb.cgroup,
                                        timeout: .seconds(3))
            #expect(tcp.outcome == .refused, "\(tcp)")
            // The whole probe process, nsenter and shell included, ends far before its 3 s timeout.
            #expect(tcp.elapsed < .milliseconds(1500), "\(tcp)")
            let udp = try PeerProbe.run(from: client, to: "10.96.0.99", port: 53, mode: .udpSendto, cgroup: lb.cgroup)
            #expect(udp.outcome == .refused, "\(udp)")
            #expect(try lb.noBackend(service: 5) == 1 && lb.noBackend(service: 6) == 1)
            #expect(try lb.connections(service: 5) == 0)
        }
    }

    @Test func clientIPAffinityKeepsAClientOnOneBackend() throws {
        try Self.withBackends { topology, lb, v4, _ in
            try lb.addService(id: 7, vip: "10.96.0.10", port: 80, backends: v4, affinitySeconds: 60)
            var servers: Set<String> = []
            for _ in 0..<8 {
                let probe = try PeerProbe.run(from: topology.pods[0], to: "10.96.0.10", port: 80, mode: .tcp, cgroup: lb.cgroup)
                servers.insert(probe.server ?? "none")
            }
            #expect(servers.count == 1, "\(servers)")
            #expect(try lb.affinity.keys().count == 1)
        }
    }

    /// b2 is ACTIVE but not in the table, so only an affinity can send a client there; the
    /// affinity counts from its last use and ends exactly at the timeout.
    @Test func affinityHoldsUntilItsTimeoutThenMaglevDecides() throws {
        try Self.withBackends { topology, lb, v4, _ in
            var backends = v4
            backends[0].inTable = true
            backends[1].inTable = false
            backends[2].inTable = false
            try lb.addService(id: 8, vip: "10.96.0.10", port: 80, backends: backends, affinitySeconds: 30)
            let client = topology.pods[0]
            // Learn the client's affinity key from a first connection, then point it at b2.
            #expect(try PeerProbe.run(from: client, to: "10.96.0.10", port: 80, mode: .tcp, cgroup: lb.cgroup).server == "b0")
            let key = try #require(try lb.affinity.keys().first)
            func pointAtB2(ageSeconds: Double) throws {
                var now = timespec()
                clock_gettime(CLOCK_MONOTONIC, &now)
                let nanoseconds = UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
                let lastUsed = UInt64(Int64(nanoseconds) - Int64(ageSeconds * 1e9))
                let value = sluice_affinity_value(last_used_ns: lastUsed, backend_id: backends[2].id, pad: 0)
                try lb.affinity.update(key, value)
            }
            try pointAtB2(ageSeconds: 29)
            #expect(try PeerProbe.run(from: client, to: "10.96.0.10", port: 80, mode: .tcp, cgroup: lb.cgroup).server == "b2")
            try pointAtB2(ageSeconds: 31)
            #expect(try PeerProbe.run(from: client, to: "10.96.0.10", port: 80, mode: .tcp, cgroup: lb.cgroup).server == "b0")
            // Stamped by another CPU after this connect read the clock: fresh, not wrapped to expired.
            try pointAtB2(ageSeconds: -60)
            #expect(try PeerProbe.run(from: client, to: "10.96.0.10", port: 80, mode: .tcp, cgroup: lb.cgroup).server == "b2")
            // A backend that stopped being active loses its affinities at once.
            try pointAtB2(ageSeconds: 0)
            try lb.members.update(sluice_service_member_key(service_id: 8, backend_id: backends[2].id),
                                  sluice_service_member_value(state: SLUICE_MEMBER_TERMINATING.rawValue, weight: 1))
            #expect(try PeerProbe.run(from: client, to: "10.96.0.10", port: 80, mode: .tcp, cgroup: lb.cgroup).server == "b0")
        }
    }

    @Test func swappingTheTableSendsNewConnectionsToTheNewBackendsOnly() throws {
        try Self.withBackends { topology, lb, v4, _ in
            try lb.addService(id: 9, vip: "10.96.0.10", port: 80, backends: [v4[0]])
            let firstTable = try lb.tables.innerMapID(9)
            #expect(try PeerProbe.run(from: topology.pods[0], to: "10.96.0.10", port: 80, mode: .tcp, cgroup: lb.cgroup).server == "b0")
            try lb.addService(id: 9, vip: "10.96.0.10", port: 80, backends: [v4[1]])
            #expect(try lb.tables.innerMapID(9) != firstTable)
            #expect(try lb.tables.contents(9) == [UInt32](repeating: v4[1].id, count: 251))
            for _ in 0..<4 {
                #expect(try PeerProbe.run(from: topology.pods[0], to: "10.96.0.10", port: 80, mode: .tcp, cgroup: lb.cgroup).server == "b1")
            }
        }
    }
}
