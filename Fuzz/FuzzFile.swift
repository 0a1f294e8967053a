import Foundation

/// The readers under test take files: each input is written to one scratch file per process (in /dev/shm when
/// there is one, so the disk is not worn).
enum FuzzFile {
    nonisolated(unsafe) private static var folder: URL? = nil

    static func withFile(_ data: UnsafePointer<UInt8>, _ size: Int, name: String = "input.xml", _ body: (URL) -> Void) {
        if folder == nil {
            let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
            let url = URL(fileURLWithPath: base).appendingPathComponent("ferry-fuzz-\(getpid())")
            try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            folder = url
        }
        let url = folder!.appendingPathComponent(name)
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { return }
        var offset = 0
        while offset < size {
            let n = write(fd, data + offset, size - offset)
            if n <= 0 { break }
            offset += n
        }
        close(fd)
        body(url)
    }
}
