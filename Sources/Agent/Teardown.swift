import BPF
import CSluiceBPF

/// Removes everything an agent left in the kernel: its tc filters on every
/// interface in the endpoints map and on the NodePort interfaces, and the pins (which frees the maps once
/// no program holds them).
public enum Teardown {
    public struct Report: Sendable {
        public var detachedInterfaces: [String] = []
        public var removedPins = 0
    }

    public static func run(pinDirectory: String) throws(AgentError) -> Report {
        var report = Report()
        let endpointsPath = pinDirectory + "/" + SLUICE_MAP_ENDPOINTS
        do {
            if let endpoints = try? BPFMap<sluice_endpoint_key, sluice_endpoint_value>(pinnedAt: endpointsPath) {
                for key in try endpoints.keys() {
                    let ifindex = Int32(bitPattern: key.ifindex)
                    guard let name = NetworkInterface.name(of: ifindex) else { continue }
                    try Datapath.detach(ifindex: ifindex)
                    report.detachedInterfaces.append(name)
                }
            }
            report.detachedInterfaces += try NodePortHooks.detachRecorded(pinDirectory: pinDirectory)
            report.removedPins = try BPFFileSystem.removeDirectory(pinDirectory)
        } catch {
            throw .bpf(error, context: "teardown of \(pinDirectory)")
        }
        return report
    }
}
