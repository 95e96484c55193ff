/// Why a datapath test could not even start.
enum DatapathTestError: Error, CustomStringConvertible {
    case missingObject(path: String)

    var description: String {
        switch self {
        case let .missingObject(path):
            "BPF object \(path) not found: run `make bpf` (or set SLUICE_BPF_DIR to the folder holding it)"
        }
    }
}
