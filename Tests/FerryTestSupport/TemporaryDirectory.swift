public import Foundation

/// Runs `body` with a fresh, empty temporary folder and removes the folder afterwards, whatever `body` did.
///
/// A folder that cannot be created is not an error of its own: `body`'s first write into it fails and says where.
/// - Parameter body: what to do in the folder.
/// - Returns: what `body` returns.
/// - Throws: what `body` throws.
public func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async rethrows -> T {
    let url = makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: url) }
    return try await body(url)
}

/// The synchronous form of ``withTemporaryDirectory(_:)-async``, for synchronous tests.
public func withTemporaryDirectory<T>(_ body: (URL) throws -> T) rethrows -> T {
    let url = makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url)
}

/// A new folder under the system's temporary directory, named so a leftover is recognisable as a test's.
private func makeTemporaryDirectory() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-test-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
