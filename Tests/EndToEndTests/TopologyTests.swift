import Foundation
import Glibc
import Testing
import TestSupport

/// The test topology itself: if these fail, no end-to-end result means anything.
@Suite(.enabled(if: getuid() == 0, "network namespaces need root"))
struct TopologyTests {
    @Test(arguments: AddressFamily.allCases)
    func podsReachEachOtherOverTCPThroughTheNode(family: AddressFamily) throws {
        try withTopology(podNames: ["client", "server"]) { topology in
            let (client, server) = (topology.pods[0], topology.pods[1])
            try server.serve(tcp: [80, 81])

            #expect(try client.tcp(to: server.address(family), port: 80, payload: "ping") == .ok("server ping"))
            #expect(try client.tcp(to: server.address(family), port: 81) == .ok("server hello"))
            let route = try topology.node.run(["ip", "route", "get", server.address(family)]).checked()
            #expect(route.stdout.contains("dev \(server.hostInterface)"))
        }
    }

    @Test(arguments: AddressFamily.allCases)
    func podsReachEachOtherOverUDPThroughTheNode(family: AddressFamily) throws {
        try withTopology(podNames: ["client", "server"]) { topology in
            let (client, server) = (topology.pods[0], topology.pods[1])
            try server.serve(udp: [53])

            #expect(try client.udp(to: server.address(family), port: 53, payload: "q") == .ok("server q"))
            #expect(try client.udp(to: server.address(family), port: 53, payload: "u", sendto: true) == .ok("server u"))
        }
    }

    @Test func nodeReachesPodsFromItsOwnAddress() throws {
        try withTopology(podNames: ["web"]) { topology in
            let web = topology.pods[0]
            try web.serve(tcp: [8080])
            #expect(try topology.node.tcp(to: web.ipv4, port: 8080) == .ok("web hello"))
            #expect(try topology.node.tcp(to: web.ipv6, port: 8080) == .ok("web hello"))
            let route = try topology.node.run(["ip", "route", "get", web.ipv4]).checked()
            #expect(route.stdout.contains("src \(topology.nodeIPv4)"))
        }
    }

    @Test func portWithoutServerIsRefused() throws {
        try withTopology { topology in
            let (client, server) = (topology.pods[0], topology.pods[1])
            try server.serve(tcp: [80], udp: [80])

            for family in AddressFamily.allCases {
                #expect(try client.tcp(to: server.address(family), port: 81) == .refused)
                #expect(try client.udp(to: server.address(family), port: 81) == .refused)
            }
        }
    }

    @Test func unansweredTrafficTimesOut() throws {
        try withTopology { topology in
            // The node has no route to this address; UDP ignores the soft ICMP error that comes back.
            let result = try topology.pods[0].udp(to: "10.200.0.250", port: 80, timeout: .milliseconds(300))
            #expect(result == .timeout)
        }
    }

    @Test func stoppedServerStopsAnsweringAndIsReaped() throws {
        try withTopology { topology in
            let (client, server) = (topology.pods[0], topology.pods[1])
            let process = try server.serve(tcp: [80])
            #expect(try client.tcp(to: server.ipv4, port: 80) == .ok("pod1 hello"))

            #expect(process.stop() == 128 + SIGTERM)
            #expect(!process.isRunning)
            let refused = try waitUntil(timeout: .seconds(2)) { try client.tcp(to: server.ipv4, port: 80) == .refused }
            #expect(refused)
        }
    }

    @Test func forwardingIsEnabledOnlyInTheNode() throws {
        try withTopology(podNames: ["a"]) { topology in
            let sysctl = ["sysctl", "-n", "net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"]
            let node = try topology.node.run(sysctl).checked()
            let pod = try topology.pods[0].run(sysctl).checked()
            #expect(node.stdout == "1\n1\n")
            #expect(pod.stdout == "0\n0\n")
        }
    }

    @Test func namespacesAndProcessesAreGoneAfterTeardown() throws {
        let topology = try makeTopology(podCount: 2)
        let namespaces = [topology.node.path] + topology.pods.map(\.netns.path)
        let server = try topology.pods[1].serve(tcp: [80])
        #expect(namespaces.allSatisfy { FileManager.default.fileExists(atPath: $0) })

        topology.teardown()

        #expect(namespaces.allSatisfy { !FileManager.default.fileExists(atPath: $0) })
        #expect(!server.isRunning)
        #expect(topology.pods.isEmpty)
        topology.teardown()
    }

    @Test func removedPodLosesItsHostInterfaceAndNamespace() throws {
        try withTopology { topology in
            let gone = topology.pods[1]
            try topology.removePod(gone)

            #expect(!FileManager.default.fileExists(atPath: gone.netns.path))
            #expect(try !topology.node.run(["ip", "link", "show", "dev", gone.hostInterface]).succeeded)
            #expect(topology.pods.map(\.name) == ["pod0"])
            let late = try topology.addPod(named: "late")
            try late.serve(tcp: [80])
            #expect(try topology.pods[0].tcp(to: late.ipv4, port: 80) == .ok("late hello"))
        }
    }

    @Test func namesAreUniqueAcrossTopologiesMadeInParallel() async throws {
        let topologies = try await withThrowingTaskGroup(of: Topology.self) { group in
            for _ in 0..<2 {
                group.addTask { try makeTopology(podCount: 2) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        defer { topologies.forEach { $0.teardown() } }

        let namespaces = topologies.flatMap { [$0.node.name] + $0.pods.map(\.netns.name) }
        let interfaces = topologies.flatMap { $0.pods.map(\.hostInterface) }
        #expect(Set(namespaces).count == namespaces.count)
        #expect(Set(interfaces).count == interfaces.count)
        #expect(interfaces.allSatisfy { $0.utf8.count <= 15 })
        #expect(try topologies[0].pods[0].netns.interfaceIndex("eth0") > 0)
    }

    @Test func cgroupHoldsTheCommandsStartedInIt() throws {
        let cgroup = try TestCgroup.make()
        #expect(FileManager.default.fileExists(atPath: "\(cgroup.path)/cgroup.procs"))
        try withTopology(podNames: ["a"]) { topology in
            let membership = try topology.pods[0].run(["cat", "/proc/self/cgroup"], cgroup: cgroup).checked()
            let name = URL(fileURLWithPath: cgroup.path).lastPathComponent
            #expect(membership.stdout.contains("0::/\(name)\n"))
        }
        cgroup.remove()
        #expect(!FileManager.default.fileExists(atPath: cgroup.path))
    }

    @Test func pinDirectoryIsInBPFFSAndRemovedWithItsContents() throws {
        let pins = try BPFPinDirectory.make()
        let filesystem = try run(["stat", "--file-system", "--format=%T", pins.path]).checked()
        #expect(filesystem.stdout == "bpf_fs\n")
        #expect(mkdir("\(pins.path)/nested", 0o700) == 0)

        pins.remove()

        #expect(!FileManager.default.fileExists(atPath: pins.path))
    }
}
