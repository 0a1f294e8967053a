import FerryPipeline
import Foundation

/// The only files the console reads: regular files below ferry's own folders (the archive, `failed/`, each
/// stage's watched and output folders), reached without `..`, empty or `.` components, and without a symbolic
/// link anywhere on the way.
struct FerryFolders: Sendable {
    /// Each folder as the config names it and as it really is (a root reached through a symbolic link, such as
    /// `/srv/ferry -> /data/ferry`, is fine: only links below it are refused).
    let roots: [(named: String, real: String)]

    init(config: FerryConfig) {
        var folders = [config.archiveFolder, config.failedFolder]
        for stage in config.stages {
            if let watch = stage.watch { folders.append(watch) }
            folders += stage.outputs.values
        }
        roots = Set(folders.map(\.standardizedFileURL.path)).sorted().map { ($0, Self.realPath($0) ?? $0) }
    }

    /// Why the console will not open `path`; nil when it is a regular file below one of the roots.
    ///
    /// `path` is the decoded query value: `%2e%2e` and `%2f` arrive here as `..` and `/` and are judged the same.
    func problem(with path: String) -> String? {
        guard path.hasPrefix("/"), !path.contains("\0") else { return "give an absolute path of a file in ferry's folders" }
        let components = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard !components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
            return "the path has an empty, . or .. component: only files in ferry's folders can be shown"
        }
        guard let root = roots.first(where: { path.hasPrefix($0.named + "/") }) else {
            return "not in ferry's folders (the archive, failed/, the stages' folders)"
        }
        var info = stat()
        guard lstat(path, &info) == 0 else { return "no such file (retried, dismissed or removed by retention?)" }
        guard info.st_mode & S_IFMT == S_IFREG else { return "not a regular file (a symbolic link, a folder or a device is never opened)" }
        guard Self.realPath(path) == root.real + path.dropFirst(root.named.count) else {
            return "the path goes through a symbolic link: only files in ferry's folders can be shown"
        }
        return nil
    }

    /// `realpath(3)`: the path with every symbolic link, `.` and `..` resolved; nil when it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The files directly in `folder` (hidden names and folders left out), newest first.
    static func files(in folder: String) -> [(name: String, path: String, modified: Double, size: Int)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { !$0.hasPrefix(".") }.compactMap { name -> (String, String, Double, Int)? in
            let path = folder + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
            return (name, path, Double(info.st_mtim.tv_sec), Int(info.st_size))
        }.sorted { $0.2 > $1.2 }
    }
}

/// One page of a file for the browser: at most ``pageSize`` bytes, shown as text (invalid UTF-8 replaced).
struct FilePage: Sendable {
    /// 64 KiB: a page a browser shows at once; a 100 MB file is read one page at a time.
    static let pageSize = 65_536

    var path: String
    var text: String
    var page: Int
    var pages: Int
    var size: Int

    /// Reads page `page` (0-based; clamped) of a file ``FerryFolders`` accepted.
    static func read(path: String, page: Int) throws -> FilePage {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let size = Int(try handle.seekToEnd())
        let pages = max(1, (size + pageSize - 1) / pageSize)
        let page = min(max(0, page), pages - 1)
        try handle.seek(toOffset: UInt64(page * pageSize))
        let data = try handle.read(upToCount: pageSize) ?? Data()
        return FilePage(path: path, text: String(decoding: data, as: UTF8.self), page: page, pages: pages, size: size)
    }
}
