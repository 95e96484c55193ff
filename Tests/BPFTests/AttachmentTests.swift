import BPF
import CSluiceBPF
import TestSupport
import Glibc
import Testing

@Suite(.enabled(if: isRoot, "attaches BPF programs: needs root"), .serialized)
struct AttachmentTests {
    @Test func tcAttachReplacesInPlaceAndDetachRemovesOnlyOurFilter() throws {
        let (object, pins) = try loadDatapath()
        defer { pins.remove() }
        let fromPod = try object.program(SLUICE_PROG_FROM_POD)
        let toPod = try object.program(SLUICE_PROG_TO_POD)
        let topology = try makeTopology(podCount: 1)
        defer { topology.teardown() }
        let interface = try #require(topology.pods.first).hostInterface

        let ids: [UInt32?] = try onThread(inNetworkNamespace: topology.node.path) {
            guard let ifindex = NetworkInterface.index(of: interface) else { throw NamespaceError(path: interface, errno: Glibc.ENODEV) }
            let ingress = TCAttachment(ifindex: ifindex, direction: .ingress)
            var seen: [UInt32?] = [try ingress.attachedProgramID()]
            try ingress.attach(fromPod)
            seen.append(try ingress.attachedProgramID())
            try ingress.attach(toPod)
            seen.append(try ingress.attachedProgramID())
            seen.append(try ingress.detach() ? 1 : 0)
            seen.append(try ingress.attachedProgramID())
            seen.append(try ingress.detach() ? 1 : 0)
            return seen
        }
        #expect(ids == [nil, try fromPod.id(), try toPod.id(), 1, nil, 0])
        // Replacing kept exactly one filter: tc lists none after the detach.
        let listing = try topology.node.run(["tc", "filter", "show", "dev", interface, "ingress"]).checked()
        #expect(!listing.stdout.contains("sluice"))
    }

    @Test func routeLookupFindsThePodsHostInterfaceAndRefusesGatewayRoutes() throws {
        let topology = try makeTopology(podCount: 1)
        defer { topology.teardown() }
        let pod = try #require(topology.pods.first)
        let expected = try topology.node.interfaceIndex(pod.hostInterface)
        // A prefix behind the pod, as if it were a router: never a local pod's interface.
        try topology.node.run(["ip", "route", "add", "10.99.0.0/16", "via", pod.ipv4]).checked()
        let podAddress = pod.ipv4.split(separator: ".").compactMap { UInt8($0) }
        let (found, viaGateway) = try onThread(inNetworkNamespace: topology.node.path) { () throws -> (Int32, BPFError?) in
            let found = try NetworkInterface.routeInterface(for: podAddress)
            do {
                _ = try NetworkInterface.routeInterface(for: [10, 99, 0, 1])
                return (found, nil)
            } catch let error as BPFError {
                return (found, error)
            }
        }
        #expect(found == expected)
        #expect(viaGateway?.errno == EHOSTUNREACH)
    }

    @Test func cgroupAttachRunsTheProgramForProcessesInTheCgroupOnly() throws {
        let object = try BPFObject(path: Objects.cgroupConnectCount)
        let program = try object.program("count_connect4")
        let counter = try object.map("connect_count", key: UInt32.self, value: UInt64.self)
        let cgroup = try TestCgroup.make()
        defer { cgroup.remove() }
        let topology = try makeTopology(podCount: 1)
        defer { topology.teardown() }
        let pod = try #require(topology.pods.first)
        try pod.serve(tcp: [7000])

        let hook = CgroupAttachment(cgroupPath: cgroup.path, attachType: BPF_CGROUP_INET4_CONNECT)
        try hook.attach(program)
        #expect(try hook.attachedProgramIDs() == [try program.id()])
        #expect(try pod.tcp(to: "127.0.0.1", port: 7000, cgroup: cgroup).isOK)
        #expect(try pod.tcp(to: "127.0.0.1", port: 7000).isOK)
        #expect(try counter.lookup(0) == 1)

        #expect(try hook.detach(program))
        #expect(try hook.attachedProgramIDs().isEmpty)
        #expect(try pod.tcp(to: "127.0.0.1", port: 7000, cgroup: cgroup).isOK)
        #expect(try counter.lookup(0) == 1)
        #expect(try !hook.detach(program))
    }
}
