import FerryTestSupport
import Foundation
import Testing

/// The order mapping runs 8 files at once and undoes a commit that conflicts with one made meanwhile
/// (`overlapsFiles`). Killed at random moments and at the per-file step boundaries, then restarted, it still
/// sends every order to the Sage outbox exactly once and archives every file once.
@Suite("Overlapping order mapping under SIGKILL", .serialized)
struct OverlapCrashTests {
    static let stage = """
        { "name": "map", "watch": "inbox/in", "task": "magento-orders-to-sage-orders", "settings": {},
          "outputs": { "out": "outbox/out" } }
        """

    /// Files each holding orders `i + 1` and `i + 2`, so every file shares an order with the next.
    static func deliverSharedOrders(_ count: Int, into root: FerryRoot) throws -> Set<String> {
        var inputs = Set<String>()
        for i in 0..<count {
            let name = String(format: "orders-%04d.xml", i)
            try root.deliver(name, "<ArrayOfOrderInfo>" + Corpus.order(id: i + 1) + Corpus.order(id: i + 2) + "</ArrayOfOrderInfo>\n")
            inputs.insert(name)
        }
        return inputs
    }

    /// The order ids in the Sage outbox, one per order sent.
    static func sentOrders(_ root: FerryRoot) throws -> [Int] {
        var ids: [Int] = []
        let pattern = /<Id>([0-9]+)<\/Id>/
        for name in root.files(in: root.outbox) {
            let text = try String(contentsOf: root.outbox.appendingPathComponent(name), encoding: .utf8)
            ids += text.matches(of: pattern).compactMap { Int($0.output.1) }
        }
        return ids.sorted()
    }

    static func check(_ root: FerryRoot, inputs: Set<String>, orders: Int) throws {
        #expect(Set(root.archived()) == inputs && root.archived().count == inputs.count, "each file archived once")
        #expect(root.quarantined().isEmpty)
        #expect(root.temporaries.isEmpty, "no temporary visible: \(root.temporaries.prefix(5))")
        #expect(root.entries(in: root.work).isEmpty)
        #expect(try sentOrders(root) == Array(1...orders), "every order sent exactly once")
    }

    @Test func sigkillsWhileFilesShareOrdersSendEachOrderOnce() async throws {
        let root = try FerryRoot()
        try root.writeConfig(stages: [Self.stage])
        let inputs = try Self.deliverSharedOrders(300, into: root)
        var child = try root.start(["watch"])
        var survived = 0
        for _ in 0..<4 {
            guard child.isRunning else { break }
            child.kill(afterMilliseconds: Int.random(in: 50...200))
            try await child.wait()
            if root.placedCount < inputs.count { survived += 1 }
            child = try root.start(["watch"])
        }
        try await child.waitUntilWatching()
        try await waitUntil("all placed", timeout: .seconds(300)) {
            root.placedCount >= inputs.count && root.files(in: root.inbox).isEmpty && root.entries(in: root.work).isEmpty
        }
        #expect(try await child.stop() == 0)
        #expect(survived >= 1, "at least one kill landed mid-run")
        try Self.check(root, inputs: inputs, orders: 301)
        Figures.record("overlap.kills", survived)
    }

    /// Dies after the 11th commit or task run (inside the second group of 8), then recovers.
    @Test(arguments: ["after-task-run", "after-commit"])
    func crashInsideAGroupIsRecovered(point: String) async throws {
        let root = try FerryRoot()
        try root.writeConfig(stages: [Self.stage])
        let inputs = try Self.deliverSharedOrders(40, into: root)
        try await root.crashThenRecover(at: point, after: "10", inputs: inputs.count)
        try Self.check(root, inputs: inputs, orders: 41)
    }
}
