import DurableFiles
import FileWatching
import Foundation
import Logging
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

extension Durable {
    /// `entry` as listed in `folder`, renamed to its escaped name first when its name is not UTF-8 (issue 13.4);
    /// nil when that rename fails (logged; the next listing tries again).
    static func adoptingEscapedName(_ entry: FolderEntry, in folder: URL, logger: Logger) -> FolderEntry? {
        guard let bytes = entry.undecodableName else { return entry }
        do {
            let name = try adoptEscapedName(folder: folder, bytes: bytes, escaped: entry.name)
            logger.warning("a file name that is not UTF-8 was renamed to its escaped form", metadata: ["ferry.file": "\(name)"])
            return FolderEntry.stat(folder: folder.path, name: name)
        } catch {
            logger.error(
                "cannot rename a file name that is not UTF-8; will try again",
                metadata: ["ferry.file": "\(entry.name)", "ferry.reason": "\(error)"])
            return nil
        }
    }

    /// Renames an inbox entry whose name is not UTF-8 (`bad-\xff\xfe.xml`) to its escaped form
    /// (`bad-\xFF\xFE.xml`, ``FileNameBytes/escaped(_:)``) in the same folder, so that it is taken like any other
    /// file and shown in `ferry status`, the logs, the archive and `failed/` under a name an operator can type.
    ///
    /// Link, fsync, unlink, fsync: the file is never absent and never replaces another (a different file already
    /// called by the escaped name keeps it; this one gets `-1`, `-2`, ...). Repeating after a crash between the link
    /// and the unlink finds the link to the same inode and only removes the old name.
    /// - Returns: the new name.
    static func adoptEscapedName(folder: URL, bytes: [UInt8], escaped: String) throws -> String {
        let source = Array(folder.path.utf8) + [UInt8(ascii: "/")] + bytes
        let shown = folder.path + "/" + escaped
        var info = stat()
        try call("lstat", shown) { withPath(source) { lstat($0, &info) } }
        for name in candidateNames(escaped, limit: nameLimit(of: folder.path)) {
            let target = folder.appendingFile(name)
            guard let code = attempt({ withPath(source) { Glibc.link($0, target.path) } }) else {
                try sync(directory: folder)
                try call("unlink", shown) { withPath(source) { unlink($0) } }
                try sync(directory: folder)
                return name
            }
            if code == .fileExists {
                var existing = stat()
                if lstat(target.path, &existing) == 0, existing.st_dev == info.st_dev, existing.st_ino == info.st_ino {
                    try call("unlink", shown) { withPath(source) { unlink($0) } }
                    try sync(directory: folder)
                    return name
                }
                continue
            }
            guard code == .notPermitted || code == .notSupported else { throw Failure(call: "link", path: target.path, errno: code) }
            // No hard links here (a FAT or SMB mount): a rename onto a name checked free just before.
            if FolderEntry.exists(target) { continue }
            try call("rename", shown) { withPath(source) { Glibc.rename($0, target.path) } }
            try sync(directory: folder)
            return name
        }
        fatalError("unreachable: candidate names are unbounded")
    }

    /// Calls `body` with `path` (bytes, no NUL) as a C string.
    private static func withPath<T>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) -> T) -> T {
        (path + [0]).withUnsafeBufferPointer { buffer in buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) } }
    }
}
