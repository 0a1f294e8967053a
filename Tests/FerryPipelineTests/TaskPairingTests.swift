import FerryPipeline
import FerryState
import Foundation
import Logging
import Testing

/// A file task belongs on a stage that watches a folder, a scheduled task on one that does not; a wrong pairing
/// is a config error naming the stage and the task.
struct TaskPairingTests {
    /// A scheduled task that does nothing.
    struct TickTask: ScheduledTask {
        static let kind = TaskKind.scheduled(name: "tick", settingsKeys: []) { _, _ in TickTask() }

        func run(_ context: TaskContext) async throws {}
    }

    @Test func aScheduledTaskOnAFileStageIsAConfigErrorNamingTheStageAndTask() throws {
        let h = try Harness()
        let config = try h.writeConfig(stage: #"{ "name": "map", "watch": "inbox/in", "task": "tick", "outputs": {} }"#)
        let error = #expect(throws: ConfigError.self) {
            try ConfigLoader.load(file: config, registry: TaskRegistry([TickTask.kind, CopyTask.kind]))
        }
        #expect(error?.description.contains("stage 'map': task 'tick' runs on a schedule") == true)
    }

    @Test func aFileTaskOnAScheduledStageIsAConfigErrorNamingTheStageAndTask() throws {
        let h = try Harness()
        let config = try h.writeConfig(stage: #"{ "name": "copy-all", "task": "copy", "everySeconds": 60, "outputs": {} }"#)
        let error = #expect(throws: ConfigError.self) {
            try ConfigLoader.load(file: config, registry: TaskRegistry([TickTask.kind, CopyTask.kind]))
        }
        #expect(error?.description.contains("stage 'copy-all': task 'copy' processes files") == true)
    }

    @Test func buildingTheWrongKindOfTaskNamesTheStageAndTask() throws {
        let h = try Harness()
        let store = try StateStore(path: h.root.appendingPathComponent("state.sqlite").path, migrations: [])
        let environment = TaskEnvironment(
            store: store, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), root: h.root,
            stageName: "nightly")
        let settings = TaskSettings(json: Data("{}".utf8), path: "stages[0].settings")
        #expect(TickTask.kind.trigger == .schedule && CopyTask.kind.trigger == .file)
        let error = #expect(throws: PipelineError.self) { try TickTask.kind.makeFileTask(settings, environment) }
        #expect(error?.code == .configuration)
        #expect(error?.message.contains("stage 'nightly': task 'tick'") == true)
        #expect(throws: PipelineError.self) { try CopyTask.kind.makeScheduledTask(settings, environment) }
    }
}
