import Testing
@testable import Model

struct LabelSelectorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var selector: LabelSelector
        var labels: [String: String]
        var matches: Bool
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "empty selector matches an unlabelled object", selector: .everything, labels: [:], matches: true),
        Case(name: "empty selector matches a labelled object", selector: .everything, labels: ["app": "web"], matches: true),
        Case(name: "matchLabels matches equal value", selector: LabelSelector(matchLabels: ["app": "web"]), labels: ["app": "web", "x": "y"], matches: true),
        Case(name: "matchLabels rejects other value", selector: LabelSelector(matchLabels: ["app": "web"]), labels: ["app": "db"], matches: false),
        Case(name: "matchLabels rejects missing label", selector: LabelSelector(matchLabels: ["app": "web"]), labels: [:], matches: false),
        Case(name: "matchLabels with empty value matches only empty value", selector: LabelSelector(matchLabels: ["app": ""]), labels: ["app": ""], matches: true),
        Case(name: "matchLabels with empty value rejects missing label", selector: LabelSelector(matchLabels: ["app": ""]), labels: [:], matches: false),
        Case(name: "all matchLabels must hold", selector: LabelSelector(matchLabels: ["app": "web", "tier": "fe"]), labels: ["app": "web"], matches: false),
        Case(name: "In matches a listed value", selector: requirement("env", .in, ["prod", "stage"]), labels: ["env": "stage"], matches: true),
        Case(name: "In rejects an unlisted value", selector: requirement("env", .in, ["prod"]), labels: ["env": "dev"], matches: false),
        Case(name: "In rejects a missing label", selector: requirement("env", .in, ["prod"]), labels: [:], matches: false),
        Case(name: "NotIn rejects a listed value", selector: requirement("env", .notIn, ["prod"]), labels: ["env": "prod"], matches: false),
        Case(name: "NotIn matches an unlisted value", selector: requirement("env", .notIn, ["prod"]), labels: ["env": "dev"], matches: true),
        Case(name: "NotIn matches a missing label", selector: requirement("env", .notIn, ["prod"]), labels: [:], matches: true),
        Case(name: "Exists matches any value", selector: requirement("env", .exists), labels: ["env": ""], matches: true),
        Case(name: "Exists rejects a missing label", selector: requirement("env", .exists), labels: ["other": "x"], matches: false),
        Case(name: "DoesNotExist matches a missing label", selector: requirement("env", .doesNotExist), labels: ["other": "x"], matches: true),
        Case(name: "DoesNotExist rejects a present label", selector: requirement("env", .doesNotExist), labels: ["env": "x"], matches: false),
        Case(
            name: "labels and expressions are ANDed",
            selector: LabelSelector(matchLabels: ["app": "web"], matchExpressions: [.init(key: "env", operator: .exists)]),
            labels: ["app": "web"], matches: false
        ),
    ]

    @Test(arguments: cases)
    func selectorFollowsKubernetesSemantics(_ testCase: Case) {
        #expect(testCase.selector.matches(testCase.labels) == testCase.matches)
    }

    @Test func emptySelectorReportsEmptyAndOthersDoNot() {
        #expect(LabelSelector.everything.isEmpty)
        #expect(!LabelSelector(matchLabels: ["a": "b"]).isEmpty)
    }

    private static func requirement(_ key: String, _ op: LabelSelectorRequirement.Operator, _ values: [String] = []) -> LabelSelector {
        LabelSelector(matchExpressions: [LabelSelectorRequirement(key: key, operator: op, values: values)])
    }
}
