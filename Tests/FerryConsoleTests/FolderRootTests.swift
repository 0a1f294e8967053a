@testable import FerryConsole
import FerryPipeline
import Foundation
import Testing

/// A ferry tree reached through a symbolic link (`/srv/ferry -> /data/ferry`) is served; a link below ferry's
/// folders is still refused.
@Suite struct FolderRootTests {
    @Test func aRootBehindASymbolicLinkIsServed() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-console-root-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let real = base.appendingPathComponent("data")
        let link = base.appendingPathComponent("srv")
        try FileManager.default.createDirectory(at: real.appendingPathComponent("inbox/in"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: real)
        try Data(#"{"stages": [{"name": "probe", "watch": "inbox/in", "task": "probe", "outputs": {}}]}"#.utf8)
            .write(to: real.appendingPathComponent("config.json"))
        let config = try ConfigLoader.load(file: link.appendingPathComponent("config.json"), registry: TaskRegistry([ProbeTask.kind])).0
        let failed = link.appendingPathComponent("failed/probe")
        try FileManager.default.createDirectory(at: failed, withIntermediateDirectories: true)
        try Data("bad".utf8).write(to: failed.appendingPathComponent("a.xml"))
        try FileManager.default.createSymbolicLink(atPath: failed.appendingPathComponent("b.xml").path, withDestinationPath: failed.appendingPathComponent("a.xml").path)

        let folders = FerryFolders(config: config)
        #expect(folders.problem(with: failed.appendingPathComponent("a.xml").path) == nil)
        #expect(folders.problem(with: failed.appendingPathComponent("b.xml").path) != nil)
        #expect(folders.problem(with: real.appendingPathComponent("failed/probe/a.xml").path) != nil, "only the paths the config names")
    }
}
