/// A set of pods written as patterns: "x/a" one pod, "x/*" a namespace, "*/a" the
/// pod named a in every namespace, "*" every pod; `except` takes pods out again.
/// Patterns are matched against whatever pods exist, so a pod added later is covered.
struct Pods: Sendable, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, CustomStringConvertible {
    /// Pods matching some pattern of `included` and none of `excluded`.
    private struct Term: Sendable {
        var included: [String]
        var excluded: [String] = []
    }

    private var terms: [Term]

    static let all: Pods = "*"
    static let none: Pods = []

    init(stringLiteral value: String) {
        terms = [Term(included: [value])]
    }

    init(arrayLiteral elements: String...) {
        terms = elements.isEmpty ? [] : [Term(included: elements)]
    }

    init(_ pods: [PodID]) {
        terms = pods.isEmpty ? [] : [Term(included: pods.map(\.description))]
    }

    func except(_ other: [PodID]) -> Pods {
        var result = self
        for index in result.terms.indices {
            result.terms[index].excluded += other.map(\.description)
        }
        return result
    }

    func except(_ other: PodID...) -> Pods {
        except(other)
    }

    /// Pods in either set.
    static func union(_ lhs: Pods, _ rhs: Pods) -> Pods {
        var result = lhs
        result.terms += rhs.terms
        return result
    }

    func contains(_ pod: PodID) -> Bool {
        terms.contains { term in
            term.included.contains { Pods.matches($0, pod) } && !term.excluded.contains { Pods.matches($0, pod) }
        }
    }

    var description: String {
        terms.map { term in
            term.included.joined(separator: ", ")
                + (term.excluded.isEmpty ? "" : " except " + term.excluded.joined(separator: ", "))
        }.joined(separator: "; ")
    }

    private static func matches(_ pattern: String, _ pod: PodID) -> Bool {
        if pattern == "*" { return true }
        let parts = pattern.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        return (parts[0] == "*" || parts[0] == pod.namespace) && (parts[1] == "*" || parts[1] == pod.name)
    }
}
