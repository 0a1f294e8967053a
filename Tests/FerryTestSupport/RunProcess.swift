public import Foundation

/// Runs a program to its end: its exit status and its output (stdout and stderr together).
///
/// Blocking: a test calls it through `offload` when a server in the same process must answer meanwhile.
/// - Parameters:
///   - executable: the program's path (`/usr/bin/env` finds one on the `PATH`).
///   - arguments: its arguments.
///   - environment: variables added to (or replacing) the test runner's own.
///   - input: written to its stdin, which is then closed (closed at once when nil, so nothing waits on it).
///   - directory: its working folder; the runner's when nil.
/// - Throws: when the program cannot be started.
public func runProcess(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:], input: String? = nil,
    in directory: URL? = nil
) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.currentDirectoryURL = directory
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    let stdin = Pipe()
    process.standardInput = stdin
    try process.run()
    if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
    try stdin.fileHandleForWriting.close()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
