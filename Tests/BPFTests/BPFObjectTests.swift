import BPF
import CSluiceBPF
import Glibc
import TestSupport
import Testing

@Suite(.enabled(if: isRoot, "loads BPF objects: needs root"))
struct BPFObjectTests {
    @Test func mapsArePinnedByNameAndReusedByTheNextLoad() throws {
        let (first, pins) = try loadDatapath()
        defer { pins.remove() }
        let abiMaps = [SLUICE_MAP_ENDPOINTS, SLUICE_MAP_IPCACHE, SLUICE_MAP_POLICY, SLUICE_MAP_CT, SLUICE_MAP_CT_OTHER,
                       SLUICE_MAP_METRICS,
                       SLUICE_MAP_CONFIG, SLUICE_MAP_POLICY_STATS]
        #expect(Set(abiMaps).isSubset(of: first.mapNames))
        for name in first.mapNames {
            #expect(access(pins.path + "/" + name, F_OK) == 0, "\(name) is not pinned")
        }
        let written = try first.map(SLUICE_MAP_ENDPOINTS, key: sluice_endpoint_key.self, value: sluice_endpoint_value.self)
        try written.update(endpointKey(4), sluice_endpoint_value(endpoint_id: 44, flags: 2, ingress_policy_id: 0, egress_policy_id: 0))

        let second = try BPFObject(path: Objects.datapath, pinDirectory: pins.path)
        let reused = try second.map(SLUICE_MAP_ENDPOINTS, key: sluice_endpoint_key.self, value: sluice_endpoint_value.self)
        #expect(try reused.lookup(endpointKey(4))?.endpoint_id == 44)
        let pinned = try BPFMap<sluice_endpoint_key, sluice_endpoint_value>(pinnedAt: pins.path + "/" + SLUICE_MAP_ENDPOINTS)
        #expect(try pinned.lookup(endpointKey(4))?.flags == 2)
    }

    @Test func programsAreFoundByTheirFunctionNames() throws {
        let (object, pins) = try loadDatapath()
        defer { pins.remove() }
        #expect(Set(object.programNames) == [SLUICE_PROG_FROM_POD, SLUICE_PROG_TO_POD])
        #expect(try object.program(SLUICE_PROG_FROM_POD).id() > 0)
        #expect(throws: BPFError.self) { _ = try object.program("no_such_program") }
    }

    @Test func missingObjectFileNamesTheCallAndThePath() throws {
        let error = #expect(throws: BPFError.self) {
            _ = try BPFObject(path: "/nonexistent/sluice.bpf.o")
        }
        #expect(error?.call == "bpf_object__open_file")
        #expect(error?.description.contains("/nonexistent/sluice.bpf.o") == true)
    }

    @Test func verifierRejectionCarriesTheVerifierLog() throws {
        let error = #expect(throws: BPFError.self) {
            _ = try BPFObject(path: Objects.verifierReject)
        }
        #expect(error?.call == "bpf_object__load")
        #expect(error?.log.contains("invalid access to packet") == true, "log: \(error?.log ?? "")")
    }

    @Test func removingThePinDirectoryRemovesEveryPin() throws {
        let pins = try BPFPinDirectory.make()
        let object = try BPFObject(path: Objects.datapath, pinDirectory: pins.path + "/nested")
        #expect(try BPFFileSystem.removeDirectory(pins.path) == object.mapNames.count)
        #expect(access(pins.path, F_OK) != 0)
    }

    @Test func cgroupMountIsReadFromMountinfoWithEscapes() {
        let mountinfo = """
            24 1 0:22 / /sys rw,nosuid - sysfs sysfs rw
            30 24 0:26 / /sys/fs/cgroup/unified rw,nosuid shared:9 - cgroup2 cgroup2 rw
            31 24 0:27 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu
            """
        #expect(CgroupFileSystem.mountPoint(mountinfo: mountinfo) == "/sys/fs/cgroup/unified")
        #expect(CgroupFileSystem.mountPoint(mountinfo: "40 1 0:30 / /a\\040b rw - cgroup2 none rw") == "/a b")
        #expect(CgroupFileSystem.mountPoint(mountinfo: "24 1 0:22 / /sys rw - sysfs sysfs rw") == nil)
    }
}
