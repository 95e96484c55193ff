import Agent
import ArgumentParser

extension Sluicectl {
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check manifest files offline as the agent would read them; exit 1 on any error.",
            discussion: """
                Files are checked as named; a directory is read as the agent reads its policy \
                directory (top-level .yaml, .yml and .json files, dotfiles and backups ignored). \
                Files of one directory are read together, so an object defined twice is \
                found. Errors are the agent's own messages: file, line, field path.
                """)

        @Argument(help: "Manifest files and directories.")
        var paths: [String]

        @Flag(help: ArgumentHelp(
            "Also apply the agent's ownership rule, for checking a node's policy directory in place.",
            discussion: "Files and directories must be owned by this user and not writable by group or others."))
        var strict = false

        func validate() throws {
            guard !paths.isEmpty else { throw ValidationError("give at least one file or directory") }
        }

        func run() throws {
            let results = ManifestValidation.validate(paths: paths, strict: strict)
            var errors = 0
            for result in results {
                if let error = result.error {
                    errors += 1
                    print("error  \(error)")
                } else {
                    print("ok     \(result.path) (\(result.objects) object\(result.objects == 1 ? "" : "s"))")
                }
            }
            print("\(results.count) file\(results.count == 1 ? "" : "s"), \(errors) error\(errors == 1 ? "" : "s")")
            if errors > 0 { throw ExitCode.failure }
        }
    }
}
