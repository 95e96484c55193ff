/// One YAML document as flat arrays of nodes, built from libyaml's events by `YAMLReader`.
///
/// Why not Yams' `Node` trees: composing them (an enum of arrays per node, a tag object with
/// a resolver per node, duplicate keys found by hashing whole nodes) took four times as long as
/// libyaml's own parse, and most of the agent's time to load 10,000 manifest files. The
/// decoder only walks a document once, so a node here is an index: no per-node allocation,
/// no reference counting, and an alias is just a second index to the same node.
final class YAMLDocument: Sendable {
    let nodes: [YAMLNode]
    /// The children of every collection, each collection's in one run: a sequence's items; a
    /// mapping's keys and values alternating, as written.
    let children: [Int32]
    /// Scalar texts and explicit tags.
    let strings: [String]
    let root: Int32

    init(nodes: [YAMLNode], children: [Int32], strings: [String], root: Int32) {
        self.nodes = nodes
        self.children = children
        self.strings = strings
        self.root = root
    }

    func text(of node: YAMLNode) -> String {
        strings[Int(node.start)]
    }

    /// The node's children (items, or keys and values alternating).
    func children(of node: YAMLNode) -> ArraySlice<Int32> {
        children[Int(node.start)..<Int(node.start + node.count)]
    }
}

struct YAMLNode: Sendable {
    enum Kind: UInt8, Sendable { case scalar, sequence, mapping }

    /// What the node's tag is: found from a plain scalar's text (`80` is an int), YAML's
    /// default for the kind (a quoted scalar or one tagged `!` is a string), or as written.
    enum Tag: Sendable, Equatable {
        case implicit
        case nonSpecific
        /// Index in `YAMLDocument.strings` of the full tag (`tag:yaml.org,2002:str` for `!!str`).
        case explicit(Int32)
    }

    var kind: Kind
    /// A scalar written without quotes or block indicators.
    var plain: Bool
    var tag: Tag
    /// 1-based, as in messages.
    var line: Int32
    var column: Int32
    /// A scalar's text in `strings`; a collection's first child in `children`.
    var start: Int32
    /// A collection's number of children (twice the pairs of a mapping).
    var count: Int32
}
