import CNI
import Foundation

// The CNI plugin: the runtime passes everything in the environment and on stdin and
// reads one JSON document (or nothing) from stdout; the work happens in the CNI library.
let input = Array(FileHandle.standardInput.readDataToEndOfFile())
let outcome = CNIPlugin.run(environment: ProcessInfo.processInfo.environment, input: input)
FileHandle.standardOutput.write(Data(outcome.output.utf8))
exit(outcome.status)
