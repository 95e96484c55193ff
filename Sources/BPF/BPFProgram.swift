import CSluiceBPF
import Glibc

/// A loaded program: its name and an fd that keeps it alive.
public struct BPFProgram: Sendable {
    public let name: String
    public let fd: FileDescriptor

    /// The kernel's id of the program, as tc and bpftool report it. `bpf_obj_get_info_by_fd`.
    public func id() throws(BPFError) -> UInt32 {
        var info = bpf_prog_info()
        var length = UInt32(MemoryLayout<bpf_prog_info>.size)
        let ret = bpf_obj_get_info_by_fd(fd.rawValue, &info, &length)
        guard ret == 0 else { throw .libbpf(ret, call: "bpf_obj_get_info_by_fd", subject: name) }
        return info.id
    }

    /// Runs the program once (or `repeat` times) on `packet` without a device.
    /// `bpf_prog_test_run_opts`.
    public func testRun(_ packet: [UInt8], repeat count: UInt32 = 1) throws(BPFError) -> BPFTestRunResult {
        var output = [UInt8](repeating: 0, count: max(packet.count, 64) + 256)
        var outputSize = UInt32(output.count)
        var retval: UInt32 = 0
        var duration: UInt32 = 0
        let ret = packet.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in
                sluice_prog_test_run(fd.rawValue, input.baseAddress, UInt32(input.count),
                                     out.baseAddress, &outputSize, count, &retval, &duration)
            }
        }
        guard ret == 0 else { throw .libbpf(ret, call: "bpf_prog_test_run_opts", subject: name) }
        return BPFTestRunResult(retval: retval, output: Array(output.prefix(Int(outputSize))), durationNanoseconds: duration)
    }
}

/// What a test run returned: the program's return code, the packet as it left, mean ns per run.
public struct BPFTestRunResult: Equatable, Sendable {
    public var retval: UInt32
    public var output: [UInt8]
    public var durationNanoseconds: UInt32
}
