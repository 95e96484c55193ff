/// A Kubernetes-style field path: `spec.ingress[0].ports[1].port`, `metadata.labels[app]`.
/// Its text is made only when asked for (in an error): the decoder extends a path for every
/// field it reads, and nearly all of them are fine.
struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    private indirect enum Step: Sendable, Hashable {
        case root
        case field(Step, String)
        case index(Step, Int)
        /// An entry of a map-valued field such as labels.
        case key(Step, String)
    }

    private var last: Step = .root

    init() {}

    private init(_ last: Step) {
        self.last = last
    }

    func child(_ name: String) -> FieldPath { FieldPath(.field(last, name)) }

    func index(_ index: Int) -> FieldPath { FieldPath(.index(last, index)) }

    func key(_ key: String) -> FieldPath { FieldPath(.key(last, key)) }

    var description: String {
        var steps: [Step] = []
        var step = last
        while true {
            switch step {
            case .root:
                return steps.reversed().reduce(into: "") { text, step in
                    switch step {
                    case .root: break
                    case .field(_, let name): text += text.isEmpty ? name : ".\(name)"
                    case .index(_, let index): text += "[\(index)]"
                    case .key(_, let key): text += "[\(key)]"
                    }
                }
            case .field(let parent, _), .index(let parent, _), .key(let parent, _):
                steps.append(step)
                step = parent
            }
        }
    }
}
