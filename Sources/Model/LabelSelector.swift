/// Kubernetes `metav1.LabelSelector`: every `matchLabels` pair and every `matchExpressions`
/// requirement must hold (AND).
///
/// An empty selector (`{}`) matches every object. A selector that is absent is a different thing;
/// where that matters (NetworkPolicy peers) the field is `LabelSelector?` and nil means "not
/// specified", never "matches nothing" or "matches everything".
public struct LabelSelector: Sendable, Hashable {
    public var matchLabels: [String: String]
    public var matchExpressions: [LabelSelectorRequirement]

    public init(matchLabels: [String: String] = [:], matchExpressions: [LabelSelectorRequirement] = []) {
        self.matchLabels = matchLabels
        self.matchExpressions = matchExpressions
    }

    /// The selector that matches everything.
    public static let everything = LabelSelector()

    public var isEmpty: Bool { matchLabels.isEmpty && matchExpressions.isEmpty }

    public func matches(_ labels: [String: String]) -> Bool {
        matchLabels.allSatisfy { labels[$0.key] == $0.value } && matchExpressions.allSatisfy { $0.matches(labels) }
    }
}

public struct LabelSelectorRequirement: Sendable, Hashable {
    public enum Operator: String, Sendable, Hashable, CaseIterable {
        case `in` = "In"
        case notIn = "NotIn"
        case exists = "Exists"
        case doesNotExist = "DoesNotExist"
    }

    public var key: String
    public var `operator`: Operator
    /// Non-empty for `In`/`NotIn`, empty for `Exists`/`DoesNotExist` (validated on decode).
    public var values: [String]

    public init(key: String, operator: Operator, values: [String] = []) {
        self.key = key
        self.operator = `operator`
        self.values = values
    }

    /// Kubernetes semantics: `NotIn` holds for an object that lacks the key altogether.
    public func matches(_ labels: [String: String]) -> Bool {
        let value = labels[key]
        switch `operator` {
        case .in: return value.map(values.contains) ?? false
        case .notIn: return value.map { !values.contains($0) } ?? true
        case .exists: return value != nil
        case .doesNotExist: return value == nil
        }
    }
}
