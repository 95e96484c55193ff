import Foundation
import Model

/// The agent's reading of manifest files, offline (`sluicectl validate`):
/// the same directory rules, size and encoding checks, decoding, validation
/// and duplicate detection, hence the same messages, so a CI pipeline can
/// refuse a file before it is dropped into a node's policy directory.
public enum ManifestValidation {
    public struct FileResult: Sendable, Equatable {
        public var path: String
        /// Objects the file holds; 0 when it has an error.
        public var objects: Int
        /// As the agent reports it: file, line, field path, message.
        public var error: String?
    }

    /// Every manifest file in `paths`: files as named, directories as the
    /// agent reads its policy directory (top level, manifest names only).
    /// Files of one directory are read together, as the agent reads them, so
    /// an object defined twice is found. `strict` applies the agent's
    /// ownership and mode rule, which only means something on the node.
    public static func validate(paths: [String], strict: Bool = false) -> [FileResult] {
        var results: [FileResult] = []
        var looseFiles: [(directory: String, names: [String])] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                results.append(FileResult(path: path, objects: 0, error: "\(path): no such file or directory"))
                continue
            }
            if isDirectory.boolValue {
                let directory = PolicyDirectory(path: path, strict: strict)
                if let problem = directory.securityProblem(path) {
                    results.append(FileResult(path: path, objects: 0, error: problem))
                    continue
                }
                do {
                    results += check(try directory.manifestNames(), in: directory)
                } catch {
                    results.append(FileResult(path: path, objects: 0, error: "\(path): cannot list: \(error)"))
                }
                continue
            }
            let name = (path as NSString).lastPathComponent
            let parent = (path as NSString).deletingLastPathComponent
            guard PolicyDirectory.isManifestName(name) else {
                results.append(FileResult(path: path, objects: 0, error:
                    "\(path): the agent ignores this name: manifests end in .yaml, .yml or .json and are not dotfiles or backups"))
                continue
            }
            let directory = parent.isEmpty ? "." : parent
            if let index = looseFiles.firstIndex(where: { $0.directory == directory }) {
                looseFiles[index].names.append(name)
            } else {
                looseFiles.append((directory, [name]))
            }
        }
        for (directory, names) in looseFiles {
            results += check(Array(Set(names)).sorted(), in: PolicyDirectory(path: directory, strict: strict))
        }
        return results
    }

    /// Reads files of one directory into one store, in the agent's order.
    private static func check(_ names: [String], in directory: PolicyDirectory) -> [FileResult] {
        var store = ManifestStore()
        for name in names {
            let path = directory.path + "/" + name
            switch directory.read(name) {
            case .contents(let text): store.update(name, path: path, contents: text)
            case .failure(let message): store.fail(name, message: "\(path): \(message)")
            }
        }
        let states = store.states
        // Counted in one pass: filtering every manifest per file made 10,000 files take minutes.
        let objectsPerFile = Dictionary(grouping: store.manifests, by: \.source.file).mapValues(\.count)
        return names.map { name in
            let path = directory.path + "/" + name
            let error = states[name]?.message
            let objects = error == nil ? objectsPerFile[path, default: 0] : 0
            return FileResult(path: path, objects: objects, error: error)
        }
    }
}
