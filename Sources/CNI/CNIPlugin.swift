/// One invocation of `sluice-cni`: the environment and stdin in, exactly one JSON
/// document (or nothing, where the spec says so) and an exit status out.
public struct CNIPlugin: Sendable {
    public struct Outcome: Sendable, Equatable {
        /// What goes on stdout: a result, the version info, an error object, or nothing.
        public var output: String
        public var status: Int32
    }

    let environment: CNIEnvironment
    let configuration: NetworkConfiguration
    let log: PluginLog

    public static func run(environment variables: [String: String], input: [UInt8]) -> Outcome {
        if variables["CNI_COMMAND"] == CNICommand.version.rawValue {
            return Outcome(output: versionInfo(input: input).text + "\n", status: 0)
        }
        let environment: CNIEnvironment
        let configuration: NetworkConfiguration
        do {
            environment = try CNIEnvironment(variables)
            configuration = try NetworkConfiguration(bytes: input)
            try checkVersion(configuration.cniVersion, for: environment.command)
        } catch {
            PluginLog(file: nil, context: variables["CNI_COMMAND"] ?? "?")("\(error)")
            return failure(error, version: requestedVersion(input: input))
        }
        let context = [environment.command.rawValue, environment.containerID, environment.ifname].compactMap { $0 }
        let plugin = CNIPlugin(environment: environment, configuration: configuration,
                               log: PluginLog(file: configuration.logFile, context: context.joined(separator: " ")))
        do {
            switch environment.command {
            case .add:
                let result = try plugin.add()
                return Outcome(output: result.json(version: configuration.cniVersion).text + "\n", status: 0)
            case .del: try plugin.delete()
            case .check: try plugin.check()
            case .status: try plugin.status()
            case .gc: try plugin.collectGarbage()
            case .version: break
            }
            return Outcome(output: "", status: 0)
        } catch {
            plugin.log("failed: \(error)")
            return failure(error, version: configuration.cniVersion)
        }
    }

    /// CHECK came with 0.4.0, GC and STATUS with 1.1.0: an older configuration cannot ask for them.
    static func checkVersion(_ version: CNIVersion, for command: CNICommand) throws(CNIError) {
        let needed: CNIVersion? = switch command {
        case .check: CNIVersion.check
        case .gc, .status: CNIVersion.gcAndStatus
        default: nil
        }
        if let needed, version < needed {
            throw CNIError(.incompatibleVersion, "\(command.rawValue) needs cniVersion \(needed) or later, the configuration says \(version)")
        }
    }

    /// `{"cniVersion": ..., "supportedVersions": [...]}`, in the caller's version when supported.
    static func versionInfo(input: [UInt8]) -> JSONValue {
        .object([
            "cniVersion": .string(requestedVersion(input: input).description),
            "supportedVersions": .array(CNIVersion.supported.map { .string($0.description) }),
        ])
    }

    /// The version to answer in: the input's `cniVersion` when this plugin speaks it.
    static func requestedVersion(input: [UInt8]) -> CNIVersion {
        guard let text = JSONValue.parse(input)?["cniVersion"]?.stringValue, let version = CNIVersion(text),
              CNIVersion.supported.contains(version) else { return CNIVersion.latest }
        return version
    }

    static func failure(_ error: CNIError, version: CNIVersion) -> Outcome {
        Outcome(output: error.json(version: version.description).text + "\n", status: 1)
    }

    var agent: AgentClient {
        AgentClient(socketPath: configuration.agentSocket, timeout: configuration.agentTimeout)
    }

    var allocator: AddressAllocator {
        AddressAllocator(configuration: configuration.ipam)
    }

    var stateDirectory: CNIStateDirectory {
        CNIStateDirectory(root: configuration.stateDirectory)
    }
}
