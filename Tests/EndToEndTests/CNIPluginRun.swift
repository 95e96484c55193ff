import Foundation
import TestSupport

/// One run of the `sluice-cni` binary as a runtime runs it: a minimal environment with
/// the `CNI_*` variables, the configuration on stdin, stdout read as the result.
struct CNIPluginRun: CustomStringConvertible {
    let status: Int32
    let stdout: String
    let stderr: String

    /// The single JSON document on stdout, nil when stdout is empty or not one object.
    var json: [String: Any]? {
        guard let data = stdout.data(using: .utf8), !stdout.isEmpty,
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return object
    }

    /// The error code of an error result.
    var code: Int? { json?["code"] as? Int }
    var message: String { json?["msg"] as? String ?? "" }

    var description: String { "exit \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }

    /// The addresses of an ADD result, without prefix lengths.
    var addresses: [String] {
        ((json?["ips"] as? [[String: Any]]) ?? []).compactMap { ($0["address"] as? String)?.split(separator: "/").first.map(String.init) }
    }

    /// The argv that runs the plugin inside `node` with exactly `variables` as environment
    /// and `configurationFile` as stdin.
    static func command(in node: NetworkNamespace, variables: [String: String], configurationFile: String) throws -> [String] {
        let environment = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
            + variables.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return ["nsenter", "--net=\(node.path)", "env", "-i"] + environment
            + ["/bin/sh", "-c", "exec \"$0\" < \"$1\"", try TestPaths.binary("sluice-cni"), configurationFile]
    }

    static func run(in node: NetworkNamespace, variables: [String: String], configuration: String,
                    scratch: String, timeout: Duration = .seconds(45)) throws -> CNIPluginRun {
        let file = scratch + "/config-\(UUID().uuidString.prefix(8)).json"
        try configuration.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = try TestSupport.run(try command(in: node, variables: variables, configurationFile: file), timeout: timeout)
        return CNIPluginRun(status: result.status, stdout: result.stdout, stderr: result.stderr)
    }
}
