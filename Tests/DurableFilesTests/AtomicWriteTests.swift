import DurableFiles
import Foundation
import Synchronization
import SystemPackage
import Testing

/// The one atomic writer, on real files in a temporary folder: whole or nothing, no temporary left behind, unique
/// temporaries when several writers race for one file.
@Suite("Atomic whole-file writes")
struct AtomicWriteTests {
    let folder = FileManager.default.temporaryDirectory.appending(path: "durable-\(UUID().uuidString)")

    init() throws { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }

    /// Everything in the folder, hidden names included.
    func names() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() }

    @Test func writesAndReplacesAWholeFileWithItsPermissions() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appending(path: "tokens.json")
        try Durable.write(Data("first".utf8), to: file)
        try Durable.write(Data("second".utf8), to: file, permissions: .ownerReadWrite)
        #expect(try Data(contentsOf: file) == Data("second".utf8))
        #expect(try names() == ["tokens.json"])
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    /// A rename that fails (the destination is a folder with files in it): the error names the call and the file,
    /// the temporary is gone and the destination untouched.
    @Test func aFailedRenameLeavesNoTemporary() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appending(path: "out.prom")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: target.appending(path: "inside"))
        let failure = try #require(throws: Durable.Failure.self) { try Durable.write(Data("new".utf8), to: target) }
        #expect(failure.call == "rename")
        #expect(failure.description.contains(target.path))
        #expect(try names() == ["out.prom"])
        #expect(try Data(contentsOf: target.appending(path: "inside")) == Data("keep".utf8))
    }

    /// A writer that fails halfway (libxml2 running out of disk, say): its error comes through, nothing is left.
    @Test func aFailingBodyLeavesNoTemporaryAndNoFile() throws {
        struct Halfway: Error {}
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appending(path: "orders.xml")
        #expect(throws: Halfway.self) {
            try Durable.write(to: target) { fd, _ in
                _ = try fd.writeAll(Data("<Company>".utf8))
                throw Halfway()
            }
        }
        #expect(try names().isEmpty)
    }

    /// Writers racing for one file (two observers after a reload, threads of one process): every write succeeds,
    /// the file ends whole as one of them, and no temporary is shared or left.
    @Test func racingWritersUseUniqueTemporaries() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appending(path: "ferry.prom")
        let bodies = (0..<64).map { n in Data(String(repeating: "\(n % 10)", count: 4096 + n).utf8) }
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: bodies.count) { n in
            do { try Durable.write(bodies[n], to: target) } catch { failures.withLock { $0 += 1 } }
        }
        #expect(failures.withLock { $0 } == 0)
        #expect(bodies.contains(try Data(contentsOf: target)))
        #expect(try names() == ["ferry.prom"])
    }

    @Test func temporariesAreUniqueAndHidden() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appending(path: "a.xml")
        let made = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 200) { _ in
            guard let (fd, temp) = try? Durable.makeTemporary(beside: target) else { return }
            try? fd.close()
            made.withLock { $0.append(temp.lastPathComponent) }
        }
        let names = made.withLock { $0 }
        #expect(names.count == 200)
        #expect(Set(names).count == 200)
        #expect(names.allSatisfy { $0.hasPrefix(".a.xml.\(getpid()).") && $0.hasSuffix(".tmp") })
    }

    /// A long name leaves room for the temporary's suffix: the write still succeeds.
    @Test func aLongNameStillGetsATemporary() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appending(path: String(repeating: "n", count: 251) + ".xml")
        try Durable.write(Data("x".utf8), to: target)
        #expect(try names() == [target.lastPathComponent])
    }

    /// Temporaries of a process that died mid-write are removed; this process's own are left alone.
    @Test func staleTemporariesOfDeadProcessesAreRemoved() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appending(path: "ferry.prom")
        let child = Process()
        child.executableURL = URL(filePath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let dead = ".ferry.prom.\(child.processIdentifier).1a2b.tmp"
        try Data().write(to: folder.appending(path: dead))
        let (fd, own) = try Durable.makeTemporary(beside: target)
        try fd.close()
        #expect(Durable.removeStaleTemporaries(of: target) == [dead])
        #expect(try names() == [own.lastPathComponent])
    }
}
