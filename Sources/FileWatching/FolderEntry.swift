public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One directory entry as ferry sees it, read with `lstat` so a symbolic link is never followed.
public struct FolderEntry: Sendable, Equatable {
    /// What kind of thing the entry is.
    public enum Kind: Sendable, Equatable {
        case regularFile
        case directory
        case symbolicLink
        /// A FIFO, socket or device: never read (a FIFO would block the reader forever).
        case special
    }

    /// The entry's name inside its folder.
    public let name: String
    /// Its kind.
    public let kind: Kind
    /// Size in bytes.
    public let size: Int64
    /// Modification time in nanoseconds since the epoch.
    public let modifiedNanoseconds: Int64
    /// The name's bytes when they are not UTF-8; ``name`` is then their escaped form
    /// (``FileNameBytes/escaped(_:)``), which does not exist in the folder until the entry is renamed to it.
    public var undecodableName: [UInt8]? = nil

    /// Names ferry never takes: hidden files (writers' temporaries, ferry's own work area) and the usual
    /// partial-upload suffixes.
    public static func isIgnored(_ name: String) -> Bool {
        name.hasPrefix(".") || name.hasSuffix(".tmp") || name.hasSuffix(".part") || name.hasSuffix("~")
            || name.hasSuffix(".swp")
    }

    /// Reads the entry `name` in `folder`, or nil when it no longer exists.
    public static func stat(folder: String, name: String) -> FolderEntry? {
        stat(path: Array((folder + "/" + name).utf8), name: name)
    }

    /// Reads the entry at `path` (bytes, NUL not included), reported as `name`.
    private static func stat(path: [UInt8], name: String) -> FolderEntry? {
        var info = Glibc.stat()
        let found = (path + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { lstat($0.baseAddress!, &info) == 0 }
        }
        guard found else { return nil }
        let kind: Kind =
            switch info.st_mode & S_IFMT {
            case S_IFREG: .regularFile
            case S_IFDIR: .directory
            case S_IFLNK: .symbolicLink
            default: .special
            }
        return FolderEntry(
            name: name, kind: kind, size: Int64(info.st_size),
            modifiedNanoseconds: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
    }

    /// True when something (a file, a link, anything) has this path; links are not followed.
    public static func exists(_ url: URL) -> Bool {
        exists(path: url.path)
    }

    /// True when something (a file, a folder, a link, even a dangling one) has this path.
    public static func exists(path: String) -> Bool {
        var info = Glibc.stat()
        return lstat(path, &info) == 0
    }

    /// Where `d_name` starts in a `struct dirent`.
    private static let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!

    /// Lists the entries of `folder` that ferry may take (not ignored), unsorted.
    /// - Throws: ``WatchError`` when the folder cannot be read.
    public static func list(folder: String) throws -> [FolderEntry] {
        guard let dir = opendir(folder) else {
            throw WatchError(folder: folder, errno: errno, action: "list")
        }
        defer { closedir(dir) }
        var entries: [FolderEntry] = []
        while let entry = readdir(dir) {
            // The name is read in place, up to its NUL. Copying `entry.pointee.d_name` would copy the declared
            // 256 bytes, but glibc packs records of `d_reclen` bytes into its buffer: for the last record of a
            // full buffer that copy read past the end of the allocation (AddressSanitizer, a 3,000-file folder).
            let start = (UnsafeRawPointer(entry) + nameOffset).assumingMemoryBound(to: UInt8.self)
            let bytes = UnsafeBufferPointer(start: start, count: strlen(UnsafeRawPointer(start).assumingMemoryBound(to: CChar.self)))
            guard let name = String(validating: bytes, as: UTF8.self) else {
                // Not UTF-8: listed under its escaped form with the real bytes, for the engine to rename it to that
                // form (String(cString:) would have replaced the bytes, and the file stayed invisible for ever).
                let escaped = FileNameBytes.escaped(Array(bytes))
                guard !isIgnored(escaped) else { continue }
                if var found = stat(path: Array(folder.utf8) + [UInt8(ascii: "/")] + Array(bytes), name: escaped) {
                    found.undecodableName = Array(bytes)
                    entries.append(found)
                }
                continue
            }
            if name == "." || name == ".." || isIgnored(name) { continue }
            if let found = stat(folder: folder, name: name) { entries.append(found) }
        }
        return entries
    }
}

/// A folder could not be watched or read.
public struct WatchError: Error, CustomStringConvertible, Sendable {
    /// The folder.
    public let folder: String
    /// The errno value.
    public let code: Int32
    /// What ferry was doing.
    public let action: String

    /// Creates an error from an errno value.
    public init(folder: String, errno: Int32, action: String) {
        self.folder = folder
        self.code = errno
        self.action = action
    }

    public var description: String {
        let reason = String(cString: strerror(code))
        let fix: String =
            switch code {
            case ENOENT: "create it (mkdir -p \(folder)) or fix the path in config.json"
            case EACCES, EPERM: "give the user running ferry read and write access to it"
            case ENOSPC: "raise fs.inotify.max_user_watches, or set this folder to \"poll\" mode"
            case EMFILE: "raise fs.inotify.max_user_instances, or set folders to \"poll\" mode"
            default: "check the folder"
            }
        return "cannot \(action) folder \(folder): \(reason); \(fix)"
    }
}
