import BPF
import CSluiceBPF
import Glibc
import Testing
import TestSupport

/// sock_reap.bpf.o over real connected UDP sockets that sock_lb.bpf.o translated: it closes
/// exactly the sockets translated to a listed backend for the listed service, and only in
/// the network namespace it walks.
@Suite(.enabled(if: getuid() == 0, "loads BPF and makes namespaces and cgroups: needs root"), .serialized)
struct UDPSocketReapTests {
    static var objectPath: String { TestPaths.bpfObjectDirectory + "/sock_reap.bpf.o" }

    @Test func onlySocketsTranslatedToTheDepartedBackendForItsServiceAreClosed() throws {
        try SocketLBTests.withBackends { topology, lb, v4, v6 in
            let b0 = LoadedSocketLB.Backend(id: v4[0].id, address: v4[0].address, port: SocketLBTests.udpPort)
            let b0v6 = LoadedSocketLB.Backend(id: v6[0].id, address: v6[0].address, port: SocketLBTests.udpPort)
            let udp = UInt8(IPPROTO_UDP)
            try lb.addService(id: 3, vip: "10.96.0.53", port: 53, protocol: udp, backends: [b0])
            try lb.addService(id: 4, vip: "fd00:96::53", port: 53, protocol: udp, backends: [b0v6])
            try lb.addService(id: 5, vip: "10.96.0.54", port: 53, protocol: udp, backends: [b0])
            let client = topology.pods[0]
            func session(_ host: String, _ port: UInt16) throws -> ManagedProcess {
                let process = try client.spawn([try TestPaths.binary("sluice-probe"), "session", host, String(port), "--udp",
                                                "--show-answer", "--lines", "5000", "--interval-ms", "20"], cgroup: lb.cgroup)
                try process.waitForOutput(containing: "ok 1 b0")
                return process
            }
            let departed = try session("10.96.0.53", 53)
            let departedV6 = try session("fd00:96::53", 53)
            let mappedV4 = try session("::ffff:10.96.0.53", 53)
            let otherService = try session("10.96.0.54", 53)
            let direct = try session(b0.address, SocketLBTests.udpPort)

            let object = try BPFObject(path: Self.objectPath, pinDirectory: lb.pins.path)
            let listed: BPFMap<sluice_reap_key, UInt8> = try object.map(SLUICE_MAP_REAP)
            let iterator = try BPFIterator(try object.program(SLUICE_PROG_REAP_UDP))
            try listed.update(try Self.key(lb, b0, service: 3), 1)
            try listed.update(try Self.key(lb, b0v6, service: 4), 1)

            // Another namespace the test made (a backend's) holds none of these sockets; the
            // root namespace is never walked.
            let elsewhere = open(topology.pods[1].netns.path, O_RDONLY | O_CLOEXEC)
            try #require(elsewhere >= 0)
            defer { close(elsewhere) }
            #expect(try iterator.run(inNetworkNamespace: elsewhere) == 0)
            let namespace = open(client.netns.path, O_RDONLY | O_CLOEXEC)
            try #require(namespace >= 0)
            defer { close(namespace) }
            #expect(try iterator.run(inNetworkNamespace: namespace) == 3)

            for process in [departed, departedV6, mappedV4] {
                #expect(process.waitForExit(timeout: .seconds(3)) == 3, "\(process.argv)")
                // Its error: the abort itself, or, for a send, that the socket is no longer connected.
                #expect(["Software caused connection abort", "Destination address required"]
                    .contains { process.stderr.contains($0) }, "\(process.stderr)")
            }
            for process in [otherService, direct] {
                let answered = process.stdout.split(separator: "\n").count
                try process.waitForOutput(containing: "ok \(answered + 2) b0")
                #expect(process.isRunning, "\(process.argv)")
            }
            #expect(try iterator.run(inNetworkNamespace: namespace) == 0)
        }
    }

    static func key(_ lb: LoadedSocketLB, _ backend: LoadedSocketLB.Backend, service: UInt32) throws -> sluice_reap_key {
        let value = try lb.backendValue(backend.address, backend.port)
        var key = zeroed(sluice_reap_key.self)
        key.addr = value.addr
        key.port = value.port
        key.family = value.family
        key.service_id = service
        return key
    }
}
