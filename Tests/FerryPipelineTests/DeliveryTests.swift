import FerryPipeline
import FerryStages
import FerryTestSupport
import Foundation
import Testing

/// Every way a file can land in an inbox: processed exactly once, and only when complete.
@Suite(.serialized) struct DeliveryTests {
    @Test func writeCloseRenameAndHardLinkAreEachProcessedOnce() async throws {
        let h = try Harness()
        _ = try h.writeConfig()
        try await h.startWatching()
        // write + close in place
        try Data(Harness.order(1).utf8).write(to: h.inbox.appendingPathComponent("written.xml"))
        // rename from a hidden name
        try h.deliver("renamed.xml", Harness.order(2))
        // hard link from outside the inbox: only IN_CREATE is delivered
        let outside = h.root.appendingPathComponent("linked-source.xml")
        try Data(Harness.order(3).utf8).write(to: outside)
        try FileManager.default.linkItem(at: outside, to: h.inbox.appendingPathComponent("linked.xml"))
        try await waitUntil("three outputs") { h.files(in: h.outbox).count == 3 }
        try await Task.sleep(for: .milliseconds(500))
        await h.stop()
        #expect(h.files(in: h.outbox) == ["linked.xml", "renamed.xml", "written.xml"])
        #expect(h.archived() == ["linked.xml", "renamed.xml", "written.xml"])
        #expect(h.files(in: h.inbox).isEmpty)
        let mapped = try String(contentsOf: h.outbox.appendingPathComponent("renamed.xml"), encoding: .utf8)
        #expect(mapped.contains("<order_id>2</order_id>"))
    }

    @Test func aSlowWriterIsTakenOnlyWhenComplete() async throws {
        let h = try Harness()
        // A generous settle time: on a loaded machine the writer's own pauses must stay well under it.
        _ = try h.writeConfig(settle: 1500)
        try await h.startWatching()
        let text = Array(Harness.order(42).utf8)
        // Created in place with open(2) (Foundation's createFile would write atomically, by rename).
        let fd = open(h.inbox.appendingPathComponent("slow.xml").path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        #expect(fd >= 0)
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        // One byte every 50 ms for 2 s, then the rest at once: the file is incomplete XML until the end.
        for byte in text.prefix(40) {
            try handle.write(contentsOf: [byte])
            try await Task.sleep(for: .milliseconds(50))
            #expect(h.files(in: h.outbox).isEmpty, "taken before it was complete")
        }
        try handle.write(contentsOf: Array(text.dropFirst(40)))
        try handle.close()
        try await waitUntil("the slow file output", timeout: .seconds(20)) { h.files(in: h.outbox).count == 1 }
        await h.stop()
        #expect(h.files(in: h.root.appendingPathComponent("failed/map")).isEmpty)
        #expect(h.archived() == ["slow.xml"])
    }

    @Test func filesPresentBeforeStartAreProcessed() async throws {
        let h = try Harness()
        _ = try h.writeConfig()
        for i in 0..<20 { try Data(Harness.order(i).utf8).write(to: h.inbox.appendingPathComponent("early-\(i).xml")) }
        try await h.startWatching()
        try await waitUntil("20 outputs") { h.files(in: h.outbox).count == 20 }
        await h.stop()
        #expect(h.archived().count == 20)
    }

    @Test func aBurstOf5000FilesIsProcessedExactlyOnce() async throws {
        let h = try Harness()
        var registry = BuiltinTasks.registry.kinds.map(\.value)
        registry.append(CopyTask.kind)
        _ = try h.writeConfig(stage: #"{ "name": "map", "watch": "inbox/in", "task": "copy", "outputs": { "out": "outbox/out" } }"#)
        try await h.startWatching(registry: TaskRegistry(registry))
        let staging = h.root.appendingPathComponent("staging")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        for i in 0..<5000 { try Data(Harness.order(i).utf8).write(to: staging.appendingPathComponent("burst-\(i).xml")) }
        for i in 0..<5000 {
            try FileManager.default.moveItem(at: staging.appendingPathComponent("burst-\(i).xml"), to: h.inbox.appendingPathComponent("burst-\(i).xml"))
        }
        try await waitUntil("5000 outputs", timeout: .seconds(600)) { h.files(in: h.outbox).count >= 5000 }
        try await waitUntil("5000 archived", timeout: .seconds(60)) { h.archived().count >= 5000 }
        await h.stop()
        let outputs = h.files(in: h.outbox)
        #expect(outputs.count == 5000)
        #expect(Set(outputs) == Set((0..<5000).map { "burst-\($0).xml" }))
        #expect(h.archived().count == 5000)
        #expect(h.allFiles(under: h.outbox).allSatisfy { !$0.hasSuffix(".tmp") })
    }

    @Test func aDeletedAndRecreatedFolderKeepsWorking() async throws {
        let h = try Harness()
        _ = try h.writeConfig()
        try await h.startWatching()
        try h.deliver("before.xml", Harness.order(1))
        try await waitUntil("first output") { h.files(in: h.outbox).count == 1 }
        try FileManager.default.removeItem(at: h.inbox)
        try await Task.sleep(for: .milliseconds(200))
        try FileManager.default.createDirectory(at: h.inbox, withIntermediateDirectories: true)
        // The watch is re-armed within about a second; a file delivered meanwhile is caught by the re-arm rescan.
        try h.deliver("after.xml", Harness.order(2))
        try await waitUntil("second output", timeout: .seconds(20)) { h.files(in: h.outbox).count == 2 }
        try h.deliver("later.xml", Harness.order(3))
        try await waitUntil("third output", timeout: .seconds(20)) { h.files(in: h.outbox).count == 3 }
        await h.stop()
        #expect(h.files(in: h.outbox) == ["after.xml", "before.xml", "later.xml"])
    }

    @Test func aPolledFolderWorksWithoutInotify() async throws {
        let h = try Harness()
        _ = try h.writeConfig(extra: #""folders": { "inbox/in": { "mode": "poll", "intervalMilliseconds": 100 } },"#)
        try await h.startWatching()
        try h.deliver("polled.xml", Harness.order(5))
        try Data(Harness.order(6).utf8).write(to: h.inbox.appendingPathComponent("written.xml"))
        try await waitUntil("two outputs", timeout: .seconds(20)) { h.files(in: h.outbox).count == 2 }
        let status = try StatusReport(pipeline: h.pipeline)
        await h.stop()
        #expect(status.stages.first?.watchMode == "poll every 100 ms")
    }
}
