import FerryState
import Foundation
import GRDB
import Testing

/// The archive's folders are not fsynced (issue 18: three fsync-family calls per lone file), so a power cut can
/// undo an input's link into the archive and its unlink from the work area after a later WAL fsync made the run's
/// `done` row durable. The state that leaves is made here by hand, since a test cannot cut the power.
@Suite("An archive undone by a power cut", .serialized)
struct LostArchiveTests {
    /// A `done` run whose input is back in the work area and missing from the archive is archived again at the
    /// next start, and not run again: one output, one archived input, an empty work area.
    @Test func aDoneRunsInputLeftInTheWorkAreaIsArchivedNotRunAgain() async throws {
        let root = try FerryRoot()
        try root.writeConfig()
        try root.deliver("order-1.xml", FerryRoot.order(1))
        let first = try await root.run(["run"])
        #expect(first.status == 0, "\(first.log)")
        root.checkInvariants(inputs: ["order-1.xml"])

        let store = try StateStore(path: root.url.appendingPathComponent("state/ferry.sqlite").path, migrations: [])
        let runs = try await store.read { db in
            try Row.fetchAll(db, sql: "SELECT runID, destination, destinationName, state FROM pipeline_runs").map { row in
                [row["runID"], row["destination"], row["destinationName"], row["state"]] as [String]
            }
        }
        let run = try #require(runs.first)
        #expect(runs.count == 1 && run[3] == "done", "\(runs)")
        let archived = URL(fileURLWithPath: run[1]).appendingPathComponent(run[2])
        try FileManager.default.createDirectory(at: root.work, withIntermediateDirectories: true)
        // The link and the unlink both lost: the input is where the claim put it, under its run ID.
        try FileManager.default.moveItem(at: archived, to: root.work.appendingPathComponent(run[0]))
        #expect(root.archived().isEmpty)

        let second = try await root.run(["run"])
        #expect(second.status == 0, "\(second.log)")
        root.checkInvariants(inputs: ["order-1.xml"])
        let states = try await store.read { db in try String.fetchAll(db, sql: "SELECT state FROM pipeline_runs") }
        #expect(states == ["done"], "the run is finished again, not run again: \(states)")
    }
}
