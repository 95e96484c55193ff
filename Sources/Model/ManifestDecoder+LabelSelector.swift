extension ManifestDecoder {
    /// Reads a `LabelSelector` strictly (unknown fields are errors) and validates it as the
    /// API server does.
    static func decodeLabelSelector(_ node: NodeCursor) throws(ManifestError) -> LabelSelector {
        let selector = try node.mapping()
        try selector.rejectUnknownFields(["matchLabels", "matchExpressions"])

        var matchLabels: [String: String] = [:]
        for (key, value, cursor) in try selector.stringMap("matchLabels") {
            try validateLabel(key: key, value: value, at: cursor)
            matchLabels[key] = value
        }

        var matchExpressions: [LabelSelectorRequirement] = []
        for expressionNode in try selector.list("matchExpressions") {
            let expression = try expressionNode.mapping()
            try expression.rejectUnknownFields(["key", "operator", "values"])

            let keyNode = try expression.required("key")
            let key = try keyNode.string()
            if let problem = KubernetesNames.qualifiedNameProblem(key) {
                throw keyNode.error("invalid label key \"\(key)\": \(problem)")
            }
            let op = try decodeEnum(expression.required("operator"), LabelSelectorRequirement.Operator.self)

            var values: [String] = []
            for valueNode in try expression.list("values") {
                let value = try valueNode.string()
                if let problem = KubernetesNames.labelValueProblem(value) {
                    throw valueNode.error("invalid label value \"\(value)\": \(problem)")
                }
                values.append(value)
            }
            switch op {
            case .in, .notIn:
                if values.isEmpty {
                    throw expression.location(of: "values").error("must be specified when operator is In or NotIn")
                }
            case .exists, .doesNotExist:
                if !values.isEmpty {
                    throw expression.location(of: "values").error("may not be specified when operator is Exists or DoesNotExist")
                }
            }
            matchExpressions.append(LabelSelectorRequirement(key: key, operator: op, values: values))
        }
        return LabelSelector(matchLabels: matchLabels, matchExpressions: matchExpressions)
    }
}
