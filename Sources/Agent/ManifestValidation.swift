import Foundation
import Model

/// The agent's reading of manifest files, offline (`sluicectl validate`):
/// the same directory rules, size and encoding checks, decoding and
/// validation, hence the same messages, so a CI pipeline can refuse a file
/// before it is dropped into a node's policy directory.
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
    public static func validate(paths: [String]) -> [FileResult] {
        var results: [FileResult] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                results.append(FileResult(path: path, objects: 0, error: "\(path): no such file or directory"))
                continue
            }
            if isDirectory.boolValue {
                let directory = PolicyDirectory(path: path)
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
            results += check([name], in: PolicyDirectory(path: parent.isEmpty ? "." : parent))
        }
        return results
    }

    /// Reads files of one directory into one store, as the agent does.
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
        let manifests = store.manifests
        return names.map { name in
            let path = directory.path + "/" + name
            let error = states[name]?.message
            let objects = error == nil ? manifests.filter { $0.source.file == path }.count : 0
            return FileResult(path: path, objects: objects, error: error)
        }
    }
}
