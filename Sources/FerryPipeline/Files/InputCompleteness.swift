import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Is a delivered file complete? A writer that writes in place in chunks, holding its descriptor open, pauses
/// longer than the settle time between chunks: its file was claimed half-written and quarantined as malformed
/// (issue 13.5). Three checks, cheapest and surest first: a write lease, the modification time, the document's end.
enum InputCompleteness {
    /// Linux's `F_SETLEASE` (`F_LINUX_SPECIFIC_BASE`), not exported to Swift without `_GNU_SOURCE`.
    private static let setLease: Int32 = 1024

    /// A lease break is announced with SIGIO, whose default action ends the process: ignored once, before the
    /// first lease (ferry uses SIGIO for nothing else).
    private static let ignoreLeaseBreaks: Void = { signal(SIGIO, SIG_IGN) }()

    /// True when some process has the file open for writing, false when none has, nil when the kernel will not
    /// say: a read lease (`fcntl(F_SETLEASE, F_RDLCK)`) is refused with EAGAIN exactly while a writer holds the file
    /// open; it needs the file's owner or CAP_LEASE (EACCES otherwise) and a local filesystem (EINVAL on NFS, CIFS).
    /// The lease is released at once.
    static func isOpenForWriting(_ path: String) -> Bool? {
        _ = ignoreLeaseBreaks
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if fcntl(fd, setLease, Int32(F_RDLCK)) == 0 {
            _ = fcntl(fd, setLease, Int32(F_UNLCK))
            return false
        }
        return errno == EAGAIN ? true : nil
    }

    /// True when the file may still be growing: a writer has it open, or (when that cannot be told) it was
    /// modified within `settle` of now. A document that failed to parse is then read again after the settle time
    /// instead of being quarantined.
    static func mayStillBeWritten(_ path: String, settle: Duration) -> Bool {
        if let open = isOpenForWriting(path) { return open }
        var info = stat()
        guard lstat(path, &info) == 0 else { return false }
        let modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
        let window = Double(settle.components.seconds) + Double(settle.components.attoseconds) / 1e18
        return Date().timeIntervalSince1970 - modified < window
    }

    /// For a document that failed to parse: "truncated: the document ends at line L before </Root> closes" when
    /// its root element never closes (a writer stopped, or the file was cut), nil when it does (the error is
    /// elsewhere). libxml2's own words for a cut document vary ("Extra content", "Premature end of data").
    static func truncation(of path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 1 << 16), let root = rootName(in: head) else { return nil }
        guard let size = try? handle.seekToEnd() else { return nil }
        try? handle.seek(toOffset: size > 4096 ? size - 4096 : 0)
        let tail = String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if tail.range(of: "</\(root)\\s*>$", options: .regularExpression) != nil || tail.hasSuffix("/>") && size <= 4096 && !tail.contains("</") {
            return nil
        }
        var lines = 1
        var last: UInt8 = 0
        try? handle.seek(toOffset: 0)
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            lines += chunk.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
            last = chunk.last ?? last
        }
        if last == UInt8(ascii: "\n") { lines -= 1 }
        return "truncated: the document ends at line \(lines) before </\(root)> closes"
    }

    /// The root element's name: the first tag that is not a declaration, comment, DOCTYPE or processing instruction.
    private static func rootName(in data: Data) -> String? {
        let text = String(decoding: data, as: UTF8.self)
        var index = text.startIndex
        while let open = text[index...].firstIndex(of: "<") {
            let rest = text[text.index(after: open)...]
            if rest.hasPrefix("?") || rest.hasPrefix("!--") || rest.hasPrefix("!") {
                let close = rest.hasPrefix("!--") ? rest.range(of: "-->")?.upperBound : rest.hasPrefix("!DOCTYPE") ? doctypeEnd(rest) : rest.firstIndex(of: ">").map { text.index(after: $0) }
                guard let close else { return nil }
                index = close
                continue
            }
            let name = rest.prefix { !$0.isWhitespace && $0 != ">" && $0 != "/" }
            return name.isEmpty ? nil : String(name)
        }
        return nil
    }

    /// Past the `>` that ends a DOCTYPE, skipping its internal subset in brackets.
    private static func doctypeEnd(_ text: Substring) -> String.Index? {
        var depth = 0
        for index in text.indices {
            switch text[index] {
            case "[": depth += 1
            case "]": depth -= 1
            case ">" where depth <= 0: return text.index(after: index)
            default: continue
            }
        }
        return nil
    }
}
