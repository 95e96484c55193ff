import Foundation

/// What a `/v1/flows` client asks for: which events, from when, and
/// whether to keep streaming. Parsed from the query string.
public struct FlowQuery: Sendable, Equatable {
    public var since: Date?
    public var last: Int?
    public var namespace: String?
    /// `name` or `namespace/name`; matches either end of the flow.
    public var pod: String?
    public var verdict: String?
    public var `protocol`: String?
    public var port: UInt16?
    public var follow = false

    public static let verdicts = ["allowed", "dropped", "audit", "translated"]

    public init() {}

    /// Reads `since` (RFC 3339, or a duration back from `now` like `30s`, `5m`, `1h`, `250ms`),
    /// `last`, `namespace`, `pod`, `verdict`, `protocol`, `port` and `follow`.
    public init(parameters: [String: String], now: Date = Date()) throws(FlowQueryError) {
        for name in parameters.keys where !Self.parameterNames.contains(name) {
            throw .unknownParameter(name)
        }
        if let text = parameters["since"] {
            guard let date = FlowEvent.parseTime(text) ?? Self.duration(text).map({ now.addingTimeInterval(-$0) }) else {
                throw .badValue(name: "since", value: text, expected: "RFC 3339 time or a duration like 30s, 5m, 1h")
            }
            since = date
        }
        if let text = parameters["last"] {
            guard let count = Int(text), count > 0 else { throw .badValue(name: "last", value: text, expected: "a positive count") }
            last = count
        }
        if let text = parameters["port"] {
            guard let number = UInt16(text), number > 0 else { throw .badValue(name: "port", value: text, expected: "1-65535") }
            port = number
        }
        if let text = parameters["verdict"] {
            guard Self.verdicts.contains(text.lowercased()) else {
                throw .badValue(name: "verdict", value: text, expected: Self.verdicts.joined(separator: ", "))
            }
            verdict = text.lowercased()
        }
        if let text = parameters["follow"] {
            guard let value = Bool(text.lowercased()) else { throw .badValue(name: "follow", value: text, expected: "true or false") }
            follow = value
        }
        namespace = parameters["namespace"].flatMap { $0.isEmpty ? nil : $0 }
        pod = parameters["pod"].flatMap { $0.isEmpty ? nil : $0 }
        `protocol` = parameters["protocol"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The query string for these settings (sluicectl's side).
    public var parameters: [String: String] {
        var result: [String: String] = [:]
        if let since { result["since"] = FlowEvent.formatTime(since) }
        if let last { result["last"] = String(last) }
        if let namespace { result["namespace"] = namespace }
        if let pod { result["pod"] = pod }
        if let verdict { result["verdict"] = verdict }
        if let `protocol` { result["protocol"] = `protocol` }
        if let port { result["port"] = String(port) }
        if follow { result["follow"] = "true" }
        return result
    }

    private static let parameterNames: Set<String> = ["since", "last", "namespace", "pod", "verdict", "protocol", "port", "follow"]

    /// `30s`, `5m`, `1h`, `250ms` in seconds; nil for anything else.
    public static func duration(_ text: String) -> TimeInterval? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            if let value = Double(text.dropLast(suffix.count)), value >= 0 { return value * scale }
        }
        return nil
    }

    /// Whether `event` passes the filters (not `since` or `last`, which pick from history).
    public func matches(_ event: FlowEvent) -> Bool {
        let ends = [event.source, event.destination] + (event.backend.map { [$0] } ?? [])
        if let namespace, !ends.contains(where: { $0.namespace == namespace }) { return false }
        if let pod {
            let hit = ends.contains { end in
                guard let name = end.pod else { return false }
                return pod.contains("/") ? "\(end.namespace ?? "")/\(name)" == pod : name == pod
            }
            if !hit { return false }
        }
        if let verdict, event.verdict != verdict { return false }
        if let `protocol`, event.protocol.lowercased() != `protocol`.lowercased() { return false }
        if let port, !ends.contains(where: { $0.port == port }) { return false }
        return true
    }
}

public enum FlowQueryError: Error, Equatable, CustomStringConvertible {
    case unknownParameter(String)
    case badValue(name: String, value: String, expected: String)

    public var description: String {
        switch self {
        case .unknownParameter(let name): "unknown parameter '\(name)'"
        case .badValue(let name, let value, let expected): "\(name)=\(value): expected \(expected)"
        }
    }
}
