import Model

/// The plugin configuration the runtime streams on stdin: the standard keys, the
/// runtime's additions (`args`, `runtimeConfig`, `prevResult`, GC's attachment list)
/// and Sluice's own fields.
public struct NetworkConfiguration: Sendable, Equatable {
    public static let defaultAgentSocket = "/run/sluice/cni.sock"
    public static let defaultStateDirectory = "/var/lib/sluice"

    public var cniVersion: CNIVersion
    public var name: String
    public var type: String
    /// Both ends of the veth; the kernel's default when nil.
    public var mtu: Int?
    /// `sluiced --cni-socket`.
    public var agentSocket: String
    /// `sluiced --state-dir`: where DELs are queued while the agent is down.
    public var stateDirectory: String
    /// How long ADD waits for the agent to enforce the endpoint.
    public var agentTimeout: Duration
    /// Log lines go here (appended) instead of stderr.
    public var logFile: String?
    public var ipam: IPAMConfiguration
    public var dns: JSONValue?
    /// `args.cni.ips` and `runtimeConfig.ips`, in that order, without duplicates.
    public var requestedAddresses: [IPAddress]
    /// `prevResult` as the runtime sent it; only CHECK reads it (`previousResult()`), so a
    /// chained plugin's result Sluice cannot read never fails another command.
    public var prevResultJSON: JSONValue?
    /// GC: `cni.dev/valid-attachments` (or the older spelling `cni.dev/attachments`).
    public var validAttachments: [CNIAttachment]?

    /// Parses stdin. Not JSON: code 6; an unsupported `cniVersion`: code 1; anything
    /// else wrong: code 7, naming the field.
    public init(bytes: [UInt8]) throws(CNIError) {
        guard let json = JSONValue.parse(bytes) else {
            throw CNIError(.decodingFailure, "network configuration on stdin is not valid JSON")
        }
        guard json.objectValue != nil else {
            throw CNIError(.invalidNetworkConfiguration, "network configuration must be a JSON object")
        }
        try self.init(json: json)
    }

    public init(json: JSONValue) throws(CNIError) {
        let root = ConfigField(json, path: "")
        let versionText = try root.required("cniVersion").string()
        guard let version = CNIVersion(versionText), CNIVersion.supported.contains(version) else {
            throw CNIError(.incompatibleVersion, "cniVersion \"\(versionText)\" is not supported",
                           details: "supported: \(CNIVersion.supported.map(\.description).joined(separator: ", "))")
        }
        cniVersion = version
        let nameField = try root.required("name")
        name = try nameField.nonEmptyString()
        guard CNIAttachment.isValidNetworkName(name) else {
            throw nameField.invalid("must start with a letter or digit followed by letters, digits, '_', '.' or '-'")
        }
        type = try root.required("type").nonEmptyString()
        mtu = try root.optional("mtu")?.integer(in: 68...65535)
        agentSocket = try root.optional("agentSocket")?.nonEmptyString() ?? Self.defaultAgentSocket
        stateDirectory = try root.optional("stateDir")?.nonEmptyString() ?? Self.defaultStateDirectory
        agentTimeout = .seconds(try root.optional("agentTimeoutSeconds")?.integer(in: 1...600) ?? 30)
        logFile = try root.optional("logFile")?.nonEmptyString()
        ipam = try IPAMConfiguration(field: try root.required("ipam"), network: name)
        dns = try root.optional("dns")?.value
        requestedAddresses = []
        if let ips = try root.optional("args")?.optional("cni")?.optional("ips") {
            try appendRequested(ips)
        }
        if let ips = try root.optional("runtimeConfig")?.optional("ips") {
            try appendRequested(ips)
        }
        prevResultJSON = try root.optional("prevResult")?.value
        var attachments = try root.optional("cni.dev/valid-attachments")
        if attachments == nil { attachments = try root.optional("cni.dev/attachments") }
        if let attachments {
            validAttachments = []
            for element in try attachments.elements() {
                validAttachments?.append(CNIAttachment(
                    containerID: try element.required("containerID").nonEmptyString(),
                    ifname: try element.required("ifname").nonEmptyString()))
            }
        }
    }

    /// `["10.1.2.3"]` or `["10.1.2.3/24"]`: the prefix, if any, is the runtime's and is ignored.
    private mutating func appendRequested(_ field: ConfigField) throws(CNIError) {
        for element in try field.elements() {
            let text = try element.string()
            let addressText = text.split(separator: "/", maxSplits: 1).first.map(String.init) ?? text
            guard let address = IPAddress(addressText) else { throw element.invalid("\"\(text)\" is not an IP address") }
            if !requestedAddresses.contains(address) { requestedAddresses.append(address) }
        }
    }

    /// `prevResult`, read; nil when absent.
    public func previousResult() throws(CNIError) -> CNIResult? {
        try prevResultJSON.map { json throws(CNIError) in try CNIResult(field: ConfigField(json, path: "prevResult")) }
    }
}
