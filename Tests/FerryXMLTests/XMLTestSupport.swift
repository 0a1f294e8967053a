import Foundation

extension URL {
    /// Writes `text` to `name` inside this folder and returns the file's URL.
    func writing(_ name: String, _ text: String) throws -> URL {
        let file = appendingPathComponent(name)
        try Data(text.utf8).write(to: file)
        return file
    }
}
