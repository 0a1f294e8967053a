public import Foundation

/// The package's root folder (`../shared` sits beside it), found from this file's place in the sources.
public let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // Tests/FerryTestSupport
    .deletingLastPathComponent()  // Tests
    .deletingLastPathComponent()

/// The built `ferry` executable: the nearest one above the test bundle (`swift build --build-tests` builds it
/// beside the tests, in whatever build folder and configuration), else the debug build in the package.
public var ferryExecutable: URL {
    var url = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    while url.path != "/" {
        let candidate = url.appendingPathComponent("ferry")
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            return candidate
        }
        url = url.deletingLastPathComponent()
    }
    return packageRoot.appendingPathComponent(".build/debug/ferry")
}
