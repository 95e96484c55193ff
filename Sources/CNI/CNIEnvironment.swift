/// The `CNI_*` variables of one invocation, checked against what the command needs.
public struct CNIEnvironment: Sendable, Equatable {
    public var command: CNICommand
    public var containerID: String?
    /// A path (`/proc/PID/ns/net`, `/run/netns/NAME`), never a namespace name.
    public var netns: String?
    public var ifname: String?
    public var args: CNIArgs
    public var path: [String]

    /// Parses `environment`; every missing or invalid variable is named in one error (code 4).
    public init(_ environment: [String: String]) throws(CNIError) {
        guard let commandText = environment["CNI_COMMAND"], !commandText.isEmpty else {
            throw CNIError(.invalidEnvironment, "CNI_COMMAND: missing")
        }
        guard let command = CNICommand(rawValue: commandText) else {
            throw CNIError(.invalidEnvironment, "CNI_COMMAND: unknown command '\(commandText)'",
                           details: "expected one of \(CNICommand.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.command = command
        var problems: [String] = []
        for name in command.requiredVariables where (environment[name] ?? "").isEmpty {
            problems.append("\(name): missing")
        }
        let value = { (name: String) -> String? in environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        containerID = value("CNI_CONTAINERID")
        netns = value("CNI_NETNS")
        ifname = value("CNI_IFNAME")
        path = (environment["CNI_PATH"] ?? "").split(separator: ":").map(String.init)
        if let containerID, !CNIAttachment.isValidContainerID(containerID) {
            problems.append("CNI_CONTAINERID: '\(containerID)' must start with a letter or digit followed by letters, digits, '_', '.' or '-'")
        }
        if let ifname, !CNIAttachment.isValidInterfaceName(ifname) {
            problems.append("CNI_IFNAME: '\(ifname)' must be 1-15 bytes without '/', ':' or whitespace, and not '.' or '..'")
        }
        if let netns, !netns.hasPrefix("/") {
            problems.append("CNI_NETNS: '\(netns)' must be a path")
        }
        guard problems.isEmpty else {
            throw CNIError(.invalidEnvironment, problems.joined(separator: "; "))
        }
        args = try CNIArgs(parsing: environment["CNI_ARGS"] ?? "")
    }

    /// The attachment; only for commands that require container ID and interface name.
    public var attachment: CNIAttachment {
        CNIAttachment(containerID: containerID ?? "", ifname: ifname ?? "")
    }
}
