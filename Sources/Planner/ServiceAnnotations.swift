/// Annotations the service planner reads.
public enum ServiceAnnotations {
    /// On a backend pod (or on an EndpointSlice, for all its endpoints that name no known
    /// pod): the backend's relative share of new connections, an integer 0 ... 1000,
    /// default 1. 0 keeps the backend's established connections but sends it no new ones.
    public static let weight = "sluice.dev/weight"

    public static let defaultWeight: UInt32 = 1
    public static let maximumWeight: UInt32 = 1000

    /// The weight an annotation map gives, or the reason it is unusable.
    static func weight(in annotations: [String: String]) -> Result<UInt32, WeightProblem>? {
        guard let text = annotations[weight] else { return nil }
        guard let value = UInt32(text), value <= maximumWeight else {
            return .failure(WeightProblem(text: text))
        }
        return .success(value)
    }

    struct WeightProblem: Error {
        var text: String
        var description: String {
            "\(ServiceAnnotations.weight): \"\(text)\" is not an integer in 0...\(ServiceAnnotations.maximumWeight); using \(ServiceAnnotations.defaultWeight)"
        }
    }
}

/// How the agent checks a service's TCP backends, from the service's annotations:
/// `sluice.dev/health-check` (`tcp`, the default, or `none`), `sluice.dev/health-interval`
/// (default `5s`), `sluice.dev/health-timeout` (default `1s`, at most the interval),
/// `sluice.dev/health-unhealthy-threshold` (failed probes in a row that take a backend out,
/// default 1, so a dead backend is out within two intervals), and
/// `sluice.dev/health-healthy-threshold` (passed probes in a row that bring it back, default 2).
/// Durations are whole milliseconds or seconds: `300ms`, `5s`.
public struct HealthCheck: Sendable, Hashable {
    public var interval: Duration
    public var timeout: Duration
    public var unhealthyThreshold: Int
    public var healthyThreshold: Int

    public init(interval: Duration = .seconds(5), timeout: Duration = .seconds(1),
                unhealthyThreshold: Int = 1, healthyThreshold: Int = 2) {
        self.interval = interval
        self.timeout = timeout
        self.unhealthyThreshold = unhealthyThreshold
        self.healthyThreshold = healthyThreshold
    }

    public static let checkKey = "sluice.dev/health-check"
    public static let intervalKey = "sluice.dev/health-interval"
    public static let timeoutKey = "sluice.dev/health-timeout"
    public static let unhealthyThresholdKey = "sluice.dev/health-unhealthy-threshold"
    public static let healthyThresholdKey = "sluice.dev/health-healthy-threshold"

    /// The check a service asks for (nil: `none`), with a problem for each unusable
    /// annotation (its default is used instead).
    static func from(_ annotations: [String: String]) -> (check: HealthCheck?, problems: [String]) {
        var problems: [String] = []
        var check = HealthCheck()
        switch annotations[checkKey] {
        case nil, "tcp": break
        case "none": return (nil, [])
        case let other?: problems.append("\(checkKey): \"\(other)\" is not tcp or none; using tcp")
        }
        if let text = annotations[intervalKey] {
            if let value = duration(text), (.milliseconds(10)...longest).contains(value) { check.interval = value }
            else { problems.append("\(intervalKey): \"\(text)\" is not a duration from 10ms to 1h (e.g. 300ms, 5s)") }
        }
        if let text = annotations[timeoutKey] {
            if let value = duration(text), (.milliseconds(1)...longest).contains(value) { check.timeout = value }
            else { problems.append("\(timeoutKey): \"\(text)\" is not a duration from 1ms to 1h (e.g. 100ms, 1s)") }
        }
        check.timeout = min(check.timeout, check.interval)
        for (key, path) in [(unhealthyThresholdKey, \HealthCheck.unhealthyThreshold), (healthyThresholdKey, \.healthyThreshold)] {
            guard let text = annotations[key] else { continue }
            if let value = Int(text), (1...10).contains(value) { check[keyPath: path] = value }
            else { problems.append("\(key): \"\(text)\" is not an integer in 1...10") }
        }
        return (check, problems)
    }

    /// The longest probe interval or timeout: longer ones overflow the prober's clock
    /// arithmetic, and a backend probed less than hourly is not health-checked.
    static let longest = Duration.seconds(3600)

    /// `300ms` or `5s`.
    static func duration(_ text: String) -> Duration? {
        if text.hasSuffix("ms"), let value = Int(text.dropLast(2)), value >= 0 { return .milliseconds(value) }
        if text.hasSuffix("s"), let value = Int(text.dropLast(1)), value >= 0 { return .seconds(value) }
        return nil
    }
}
