import DurableFiles
import FerryPipeline
import FerryXML
import Foundation
import SystemPackage
#if canImport(Glibc)
    import Glibc
#endif

extension SageSimulator {
    /// Writes a file through `body` off the cooperative pool and publishes it the way the Windows job does: whole
    /// (temporary, fsync, rename, fsync of the folder), or, as the SMB fault, growing in slow chunks under its name.
    func publish(into folder: URL, name: String, body: @escaping @Sendable (XMLStreamWriter) throws -> Void)
        async throws
    {
        let final = folder.appendingPathComponent(name)
        @Sendable func render(_ url: URL) throws {
            let writer = try XMLStreamWriter(url: url)
            try body(writer)
            try writer.finish()
        }
        guard let chunk = settings.faults.slowWriteChunk else {
            try await offload { try Durable.write(to: final) { _, temp in try render(temp) } }
            return
        }
        let staged = try await offload {
            let (fd, temp) = try Durable.makeTemporary(beside: final)
            try fd.close()
            do { try render(temp) } catch {
                unlink(temp.path)
                throw error
            }
            return temp
        }
        try await Self.copySlowly(staged, to: final, chunk: chunk, delay: settings.faults.slowWriteDelay)
    }

    /// Copies the finished `temp` into `final` chunk by chunk with pauses (the SMB fault), then removes `temp`.
    private static func copySlowly(_ temp: URL, to final: URL, chunk: Int, delay: Duration) async throws {
        let data = try Data(contentsOf: temp)
        _ = FileManager.default.createFile(atPath: final.path, contents: nil)
        let handle = try FileHandle(forWritingTo: final)
        defer { try? handle.close() }
        var offset = 0
        while offset < data.count {
            let end = min(data.count, offset + max(1, chunk))
            try handle.write(contentsOf: data[offset..<end])
            offset = end
            if offset < data.count { try await Task.sleep(for: delay) }
        }
        try handle.synchronize()
        try FileManager.default.removeItem(at: temp)
    }
}
