import FerryPipeline
import FerryStages
import FerryTestSupport
import FerryValues
import Foundation
import Logging
import Sage200Connector
import Sage200Sandbox
import SageSide
import Testing

/// A POST that creates something in Sage 200 is never sent twice: not by libcurl on its own when a kept-alive
/// connection dies, and not by ferry while the server behind a gateway that gave up may still be creating it.
@Suite struct LatePostTests {
    /// Polls until `done` holds (a hang guard of 20 s, not a speed check).
    func waitFor(_ done: () async -> Bool) async throws {
        for _ in 0..<200 where !(await done()) { try await Task.sleep(for: .milliseconds(100)) }
    }

    func importer(_ sage: Sage200Fixture, undecidedSeconds: Double) -> Sage200OrderImporter {
        Sage200OrderImporter(
            client: sage.client, ledger: sage.ledger, settings: .init(), logger: Logger(label: "test"),
            undecidedSeconds: undecidedSeconds)
    }

    func posts(_ sage: Sage200Fixture, _ route: String) async -> [String?] {
        await sage.server.store.requestLog().filter { $0.method == "POST" && $0.route.hasPrefix(route) }.map(\.fault)
    }

    /// Sage creates the account and the order, then closes the connection before one byte of its answer. On a
    /// kept-alive connection libcurl would send each POST again by itself: each must reach Sage once.
    @Test func postsWhoseConnectionDiesBeforeTheAnswerReachSageOnce() async throws {
        let options = Sage200SandboxOptions(faults: Sage200Faults(applyThenDrop: 1), recordRequests: true)
        try await withSage200(options: options) { sage in
            let order = demoOrder(1, email: "kept-alive@example.com")
            let accounts = await sage.server.store.allCustomers().count
            // The look-ups before each POST leave a connection open for it to reuse.
            let outcome = try await importer(sage, undecidedSeconds: 600).importOrder(order)
            guard case .adopted = outcome else { Issue.record("expected adopted, got \(outcome)"); return }
            #expect(await sage.server.store.orderCounts()[order.incrementId] == 1)
            #expect(await sage.server.store.allCustomers().count == accounts + 1)
            #expect(await posts(sage, "/sop_orders") == ["applyThenDrop"])
            #expect(await posts(sage, "/customers") == ["applyThenDrop"])
        }
    }

    /// The gateway answers 504 and the server creates the order 2 s later. A search right after the 504 misses
    /// it: the order is undecided, not posted again; once Sage shows it, it is adopted. One POST in all.
    @Test func anOrderCreatedAfterTheGatewayGaveUpIsPostedOnce() async throws {
        var options = Sage200SandboxOptions(recordRequests: true)
        options.faults.lateMilliseconds = 2_000
        try await withSage200(options: options) { sage in
            let order = demoOrder(2)
            let importer = importer(sage, undecidedSeconds: 600)
            // The account first, so that only the order's POST meets the gateway.
            #expect(try await importer.importOrder(demoOrder(7, email: order.customerEmail)).documentNo != nil)
            sage.server.updateOptions { $0.faults.applyLate = 1 }
            let first = await #expect(throws: Sage200Error.self) { try await importer.importOrder(order) }
            #expect(first?.code == .undecided, "\(String(describing: first))")
            #expect(first?.isTransient == true)
            sage.server.updateOptions { $0.faults.applyLate = 0 }
            let again = await #expect(throws: Sage200Error.self) { try await importer.importOrder(order) }
            #expect(again?.code == .undecided, "\(String(describing: again))")
            try await waitFor { await sage.server.store.orderCounts()[order.incrementId] != nil }
            let outcome = try await importer.importOrder(order)
            guard case .adopted = outcome else { Issue.record("expected adopted, got \(outcome)"); return }
            #expect(await sage.server.store.orderCounts()[order.incrementId] == 1)
            #expect(await posts(sage, "/sop_orders").filter { $0 != nil } == ["applyLate"], "one POST met the gateway")
            #expect(await posts(sage, "/sop_orders").count == 2, "demoOrder(7)'s and this order's")
        }
    }

    /// The same for a new account: the gateway answers 504 to `POST /customers` and the account appears 2 s
    /// later. The order waits, no second account is posted, and once the account shows the order goes in with it.
    @Test func anAccountCreatedAfterTheGatewayGaveUpIsPostedOnce() async throws {
        var options = Sage200SandboxOptions(recordRequests: true)
        options.faults.lateMilliseconds = 2_000
        try await withSage200(options: options) { sage in
            let order = demoOrder(9, email: "late-account@example.com")
            let waiting = importer(sage, undecidedSeconds: 600)
            let accounts = await sage.server.store.allCustomers().count
            sage.server.updateOptions { $0.faults.applyLate = 1 }
            let first = await #expect(throws: Sage200Error.self) { try await waiting.importOrder(order) }
            #expect(first?.code == .undecided && first?.path == "/customers", "\(String(describing: first))")
            sage.server.updateOptions { $0.faults.applyLate = 0 }
            let again = await #expect(throws: Sage200Error.self) { try await waiting.importOrder(order) }
            #expect(again?.code == .undecided, "\(String(describing: again))")
            try await waitFor { await sage.server.store.allCustomers().count > accounts }
            let outcome = try await importer(sage, undecidedSeconds: 0).importOrder(order)
            guard case .created = outcome else { Issue.record("expected created, got \(outcome)"); return }
            #expect(await sage.server.store.allCustomers().count == accounts + 1)
            #expect(await posts(sage, "/customers") == ["applyLate"], "the account was posted once")
            #expect(await sage.server.store.orderCounts()[order.incrementId] == 1)
        }
    }

    /// The gateway answers 504 and the server never creates the order: after the wait, a search still finds
    /// nothing, and the order is posted again, once.
    @Test func anOrderTheServerNeverCreatedIsPostedAgainAfterTheWait() async throws {
        var options = Sage200SandboxOptions(recordRequests: true)
        options.faults.lateApplies = false
        try await withSage200(options: options) { sage in
            let order = demoOrder(3)
            #expect(try await importer(sage, undecidedSeconds: 600).importOrder(demoOrder(8, email: order.customerEmail)).documentNo != nil)
            sage.server.updateOptions { $0.faults.applyLate = 1 }
            let first = await #expect(throws: Sage200Error.self) { try await importer(sage, undecidedSeconds: 600).importOrder(order) }
            #expect(first?.code == .undecided)
            sage.server.updateOptions { $0.faults.applyLate = 0 }
            let again = await #expect(throws: Sage200Error.self) { try await importer(sage, undecidedSeconds: 600).importOrder(order) }
            #expect(again?.code == .undecided)
            #expect(await sage.server.store.orderCounts()[order.incrementId] == nil)
            // The wait is over (shortened here): Sage still lacks it, so it is sent again.
            let outcome = try await importer(sage, undecidedSeconds: 0).importOrder(order)
            guard case .created = outcome else { Issue.record("expected created, got \(outcome)"); return }
            #expect(await sage.server.store.orderCounts()[order.incrementId] == 1)
            #expect(await posts(sage, "/sop_orders").suffix(2) == ["lateDropped", nil])
        }
    }

    /// `sage200.import-orders` on a file whose first order is undecided: the orders after it go into Sage, and
    /// the file fails as transient, to be tried again for it.
    @Test func anUndecidedOrderDoesNotHoldBackTheOrdersAfterItInItsFile() async throws {
        try await withSage200 { sage in
            let orders = [demoOrder(4), demoOrder(5), demoOrder(6)]
            // As if a POST for the first had just been sent and its answer lost.
            try sage.ledger.willPost(externalId: orders[0].entityId, incrementId: orders[0].incrementId)
            let secret = sage.dir.appendingPathComponent("sage200-secret")
            try Data(Sage200SandboxOptions().clientSecret.utf8).write(to: secret)
            let block: JSONValue = [
                "apiUrl": .string(sage.server.apiURL), "authUrl": .string(sage.server.baseURL),
                "clientId": .string(Sage200SandboxOptions().clientId), "clientSecret": .string("file:\(secret.path)"),
                "site": .string(Sage200SandboxStore.siteName), "company": .string(Sage200SandboxStore.companyName),
            ]
            let environment = TaskEnvironment(
                store: sage.store, logger: Logger(label: "test"), root: sage.dir, stageName: "import-sage200",
                connections: ["sage200": block])
            let kind = try #require(BuiltinTasks.registry.kinds["sage200.import-orders"])
            let task = try kind.makeFileTask(TaskSettings(json: Data("{}".utf8), path: "stages[0].settings"), environment)
            let input = sage.dir.appendingPathComponent("orders-1.xml")
            try writeMagentoOrders(orders, to: input)
            let context = TaskContext(
                environment: environment, logger: Logger(label: "test"),
                outputFolders: ["success": sage.dir.appendingPathComponent("success")], runID: UUID().uuidString)
            let error = await #expect(throws: Sage200Error.self) {
                try await task.run(TaskInput(url: input, name: input.lastPathComponent), context: context)
            }
            #expect(error?.code == .undecided, "\(String(describing: error))")
            let counts = await sage.server.store.orderCounts()
            #expect(counts[orders[0].incrementId] == nil)
            #expect(counts[orders[1].incrementId] == 1)
            #expect(counts[orders[2].incrementId] == 1)
        }
    }
}
