public import Foundation
// Implementation-only: ZIPFoundation imports CoreFoundation, and a module that loads it has the C library's `stat`
// family attributed to CoreFoundation (MemberImportVisibility then refuses `stat` in every file of that module; an
// `internal import` still loads it in clients without library evolution). Safe here: no ZIPFoundation type appears
// in this target's interface or in any stored property, so clients never need its layout.
@_implementationOnly import ZIPFoundation

/// The zip side of archive clean-up: one dated archive folder into one zip, and one file read back from it.
public enum DayZip {
    /// Writes `folder` (with its own name as the top entry) into a new zip at `target`, deflated.
    public static func zip(folder: URL, to target: URL) throws {
        try FileManager.default.zipItem(at: folder, to: target, shouldKeepParent: true, compressionMethod: .deflate)
    }

    /// The bytes of `entry` (a path inside the zip, such as `DAY/stage/name`), or nil when the zip or the entry
    /// does not exist or its CRC-32 does not match.
    public static func contents(of entry: String, in zipFile: URL) -> Data? {
        guard let archive = try? Archive(url: zipFile, accessMode: .read), let found = archive[entry] else { return nil }
        var data = Data()
        guard (try? archive.extract(found) { data.append($0) }) != nil else { return nil }
        return data
    }
}
