import Foundation
import Testing

/// Issue 13.8 (check-config half): two stages putting different kinds of file into one folder are refused.
@Suite("one folder, one kind of file")
struct OutputKindTests {
    @Test func twoStagesWritingDifferentKindsIntoOneFolderAreRefused() async throws {
        let root = try FerryRoot()
        for folder in ["inbox/orders", "outbox/sage-fail"] {
            try FileManager.default.createDirectory(at: root.url.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        // The order mapping's Sage orders into the xslt stage's output folder.
        try root.writeConfig(stages: [
            FerryRoot.xsltStage,
            """
            { "name": "orders", "watch": "inbox/orders", "task": "magento-orders-to-sage-orders", "settings": {},
              "outputs": { "out": "outbox/out", "fail": "outbox/sage-fail" } }
            """,
        ])
        let run = try await root.run(["check-config"])
        #expect(run.status == 78)
        // check-config writes its problems to stderr (the log file), as every command does for a bad config.
        let refused = (status: run.status, output: run.log)
        let folder = root.outbox.standardizedFileURL.path
        #expect(refused.output.contains("stages[1].outputs.out"), "\(refused.output)")
        #expect(refused.output.contains("'orders'") && refused.output.contains("'map'") && refused.output.contains(folder), "\(refused.output)")

        // The same kind from two stages (two xslt maps) is fine.
        try FileManager.default.createDirectory(at: root.url.appendingPathComponent("inbox/in2"), withIntermediateDirectories: true)
        try root.writeConfig(stages: [FerryRoot.xsltStage, FerryRoot.xsltStage.replacingOccurrences(of: "\"map\"", with: "\"map2\"").replacingOccurrences(of: "inbox/in", with: "inbox/in2")])
        let accepted = try await root.run(["check-config"])
        #expect(accepted.status == 0, "\(accepted.output)")
    }

    /// The shipped config: the Sage success mapping and the failure report both feed the order-update folder.
    @Test func tasksDeclaringOneKindMayShareAFolder() async throws {
        let root = try FerryRoot()
        for folder in ["inbox/sage-success", "inbox/sage-failed", "inbox/updates"] {
            try FileManager.default.createDirectory(at: root.url.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try root.writeConfig(stages: [
            """
            { "name": "success", "watch": "inbox/sage-success", "task": "sage-success-to-magento-updates", "settings": {},
              "outputs": { "out": "inbox/updates" } }
            """,
            """
            { "name": "report", "watch": "inbox/sage-failed", "task": "sage-failed-report", "settings": {},
              "outputs": { "out": "inbox/updates" } }
            """,
        ])
        let result = try await root.run(["check-config"])
        #expect(!result.output.contains("one kind of file"), "\(result.output)")
    }
}
