import FerryValues
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Every name ferry derives from a delivered one (work-area temporaries, outputs, archive and failed names,
/// `.error.txt` reasons) fits the filesystem's limit: a name one byte too long made `rename` fail with
/// ENAMETOOLONG for ever while the journal said the run had committed (issue 13.3).
extension Durable {
    /// Longest file name Linux filesystems take, in bytes (NAME_MAX); a folder's own limit may be lower.
    public static let maxNameBytes = 255

    /// Folder -> its `pathconf(_PC_NAME_MAX)`, asked once per folder.
    private static let limits = Mutex<[String: Int]>([:])

    /// The longest file name `folder`'s filesystem takes, in bytes (`pathconf(_PC_NAME_MAX)`; 255 when the folder
    /// does not exist yet or the filesystem does not say). A share (CIFS, eCryptfs) may take fewer than 255.
    public static func nameLimit(of folder: String) -> Int {
        if let known = limits.withLock({ $0[folder] }) { return known }
        errno = 0
        let asked = pathconf(folder, Int32(_PC_NAME_MAX))
        guard asked > 0 else { return maxNameBytes }
        let limit = min(Int(asked), maxNameBytes)
        limits.withLock { $0[folder] = limit }
        return limit
    }

    /// `name`, shortened if needed so that `reserve` more bytes of prefix or suffix still fit in `limit` bytes.
    ///
    /// A shortened name keeps its extension (up to 16 bytes) and ends its stem with `~` and 8 characters of a hash of
    /// the whole name: deterministic (a re-run after a crash derives the same name) and distinct for two long names
    /// that differ only past the cut. The cut falls between characters, never inside a UTF-8 sequence.
    public static func fitting(_ name: String, reserve: Int, limit: Int = maxNameBytes) -> String {
        let room = limit - reserve
        guard name.utf8.count > room else { return name }
        let ext = (name as NSString).pathExtension
        let keepsExtension = !ext.isEmpty && ext.utf8.count <= 16
        let suffix = "~" + shortHash(name) + (keepsExtension ? "." + ext : "")
        var stem = Substring(keepsExtension ? (name as NSString).deletingPathExtension : name)
        while !stem.isEmpty, stem.utf8.count + suffix.utf8.count > room { stem = stem.dropLast() }
        return String(stem) + suffix
    }

    /// The names tried for `preferred` when the folder already has one: `a.xml`, `a-1.xml`, `a-2.xml`, ...; each
    /// fitted to `limit` bytes.
    public static func candidateNames(_ preferred: String, limit: Int = maxNameBytes) -> some Sequence<String> {
        return (0...).lazy.map { n in
            guard n > 0 else { return fitting(preferred, reserve: 0, limit: limit) }
            // A variant of a 255-byte name must still fit: shorten it first.
            let fitted = fitting(preferred, reserve: "-\(n)".utf8.count, limit: limit)
            let ext = (fitted as NSString).pathExtension
            let base = (fitted as NSString).deletingPathExtension
            return ext.isEmpty ? "\(fitted)-\(n)" : "\(base)-\(n).\(ext)"
        }
    }

    /// 8 base-36 characters of the name's 64-bit FNV-1a hash: a name tag, not a security measure.
    private static func shortHash(_ name: String) -> String {
        String(String(zeroPadded: FNV1a64.hash(name), width: 8, radix: 36).suffix(8))
    }
}
