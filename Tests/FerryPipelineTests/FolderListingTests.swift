import FileWatching
import Foundation
import Testing

/// Folder listing reads every name whole, and no byte past the entry `readdir` returned.
@Suite struct FolderListingTests {
    /// A folder of 3,000 short names fills glibc's 32 KiB `readdir` buffer to its last bytes, many times over:
    /// copying `d_name` (a 256-byte array) out of the last entry read past the buffer. Under AddressSanitizer
    /// (scripts/asan) that was a heap-buffer-overflow; in a normal build the names must still all come back.
    @Test func aLargeFolderIsListedWithEveryNameWhole() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-listing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // Lengths from 1 to 40 bytes, so the records end at every alignment the buffer can have.
        var names = Set<String>()
        for i in 0..<3_000 {
            let name = String(i) + String(repeating: "x", count: i % 37) + ".xml"
            names.insert(name)
            FileManager.default.createFile(atPath: folder.appendingPathComponent(name).path, contents: nil)
        }
        names.insert("ünïcødé name.xml")
        FileManager.default.createFile(atPath: folder.appendingPathComponent("ünïcødé name.xml").path, contents: nil)
        FileManager.default.createFile(atPath: folder.appendingPathComponent(".hidden.part").path, contents: nil)
        let listed = try FolderEntry.list(folder: folder.path)
        #expect(listed.count == names.count)
        #expect(Set(listed.map(\.name)) == names)
        #expect(listed.allSatisfy { $0.kind == .regularFile })
    }
}
