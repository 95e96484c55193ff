/// `CNI_COMMAND`.
public enum CNICommand: String, Sendable, CaseIterable {
    case add = "ADD"
    case del = "DEL"
    case check = "CHECK"
    case version = "VERSION"
    case gc = "GC"
    case status = "STATUS"

    /// The variables the spec requires for this command besides `CNI_COMMAND`.
    var requiredVariables: [String] {
        switch self {
        case .add, .check: ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"]
        case .del: ["CNI_CONTAINERID", "CNI_IFNAME"]
        case .gc: ["CNI_PATH"]
        case .version, .status: []
        }
    }
}
