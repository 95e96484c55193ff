@testable import Agent
import Model
import Testing

/// Files are decoded on every core; each result must be its own file's, in order.
struct ManifestStoreDecodeTests {
    private func namespace(_ index: Int) -> String {
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns\(index)}\n"
    }

    @Test func manyFilesDecodeInParallelEachToItsOwnResult() throws {
        let files = (0..<200).map { index in
            (path: "/policies/f\(index).yaml",
             contents: index % 7 == 3 ? "apiVersion: v1\nkind: Namespace\nmetadata: {name: Bad_\(index)}\n" : namespace(index))
        }
        let results = ManifestStore.decode(files)
        #expect(results.count == files.count)
        for (index, result) in results.enumerated() {
            switch result {
            case .success(let manifests):
                #expect(index % 7 != 3)
                #expect(manifests.map(\.metadata.name) == ["ns\(index)"])
            case .failure(let error):
                #expect(index % 7 == 3, "\(error)")
                #expect(error.file == "/policies/f\(index).yaml")
                #expect(error.line == 3)
            }
        }
    }

    @Test func aStoreFedDecodedFilesHoldsWhatUpdateWouldHold() throws {
        var direct = ManifestStore()
        var batched = ManifestStore()
        let files = (0..<20).map { (name: "f\($0).yaml", contents: namespace($0)) }
        for file in files { direct.update(file.name, path: file.name, contents: file.contents) }
        for (file, result) in zip(files, ManifestStore.decode(files.map { ($0.name, $0.contents) })) {
            #expect(batched.apply(file.name, contents: file.contents, decoded: result) == nil)
        }
        #expect(batched.cluster == direct.cluster)
        #expect(batched.cluster.namespaceLabels.count == 20)
    }
}
