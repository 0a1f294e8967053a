import Foundation

/// Runs `body` in a fresh temporary folder, removed afterwards.
func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-xml-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url)
}

extension URL {
    /// Writes `text` to `name` inside this folder and returns the file's URL.
    func writing(_ name: String, _ text: String) throws -> URL {
        let file = appendingPathComponent(name)
        try Data(text.utf8).write(to: file)
        return file
    }
}
