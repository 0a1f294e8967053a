import FerryState
import FerryValues
import Foundation
import MagentoConnector
import MagentoSandbox
import Testing

/// A store that goes on working on a comment POST after the client gave up (a gateway's 504 while PHP goes on,
/// a slow customer email): the order's history, read right after the timeout, does not show the comment yet.
/// ferry must not post it a second time before the store has had the time to finish.
@Suite struct LateCommentTests {
    static let request = OrderUpdateRequest(incrementID: "100000002", comment: "Imported into Sage as sales order 90002")

    /// A client that gives up after 1 s and makes one attempt per call, over a sandbox whose POSTs are held 8 s
    /// (long enough that the next attempt comes before the store ends, however loaded this machine is).
    func withLateStore(
        applies: Bool, _ body: (MagentoSandboxServer, MagentoClient, StateStore) async throws -> Void
    ) async throws {
        var options = MagentoSandboxOptions()
        options.faults.lateSeconds = 8
        options.faults.lateApplies = applies
        try await withSandbox(
            orders: 3, options: options,
            retry: RetryPolicy(maxAttempts: 1, initial: .milliseconds(1), maximum: .milliseconds(1)),
            http: HTTPClientOptions(connectTimeout: 10, requestTimeout: 1, stallTimeout: 30)
        ) { sandbox, client, store in
            // Opens the connection first, so only the POST is late.
            _ = try await client.order(entityID: 2)
            try await body(sandbox, client, store)
        }
    }

    /// Polls the sandbox until `done` holds (a hang guard of 20 s, not a speed check).
    func waitFor(_ done: () async -> Bool) async throws {
        for _ in 0..<200 where !(await done()) { try await Task.sleep(for: .milliseconds(100)) }
    }

    /// The POST times out after 1 s; the store adds the comment at 8 s. An attempt right after the timeout
    /// leaves the order undecided instead of posting again; once the comment shows, it is taken as posted.
    @Test func aCommentTheStoreAddsAfterTheClientGaveUpIsPostedOnce() async throws {
        try await withLateStore(applies: true) { sandbox, client, store in
            var updater = OrderUpdater(client: client, store: store, scope: "late", settings: UpdateSettings())
            #expect(updater.undecidedSeconds == 2, "twice the request timeout")
            // Long enough that the attempts below fall inside it however slowly this machine runs them.
            updater.undecidedSeconds = 600
            sandbox.updateOptions { $0.faults.applyLate = 1 }
            let lost = await #expect(throws: MagentoError.self) { try await updater.update([Self.request]) }
            #expect(lost?.code == .transport, "\(String(describing: lost))")
            sandbox.updateOptions { $0.faults.applyLate = 0 }
            // The order after it in the same input is not held back: it is posted, and the input is tried again.
            let next = OrderUpdateRequest(incrementID: "100000003", comment: "Imported into Sage as sales order 90003")
            let undecided = await #expect(throws: MagentoError.self) { try await updater.update([Self.request, next]) }
            #expect(undecided?.code == .undecided, "\(String(describing: undecided))")
            #expect(undecided?.isTransient == true)
            #expect(await sandbox.store.comments(3).count == 1)
            try await waitFor { await sandbox.store.comments(2).count == 1 }
            #expect(try await updater.update([Self.request, next]) == [.alreadyPosted, .alreadyPosted])
            #expect(await sandbox.store.comments(2).count == 1)
            #expect(await sandbox.store.comments(3).count == 1)
            let posts = await sandbox.store.requestLog().filter { $0.method == "POST" && $0.path.hasSuffix("/2/comments") }
            #expect(posts.map(\.fault) == ["late"], "the comment was posted \(posts.count) times")
        }
    }

    /// A POST that got no answer and that the store never applied (it died behind the gateway): once the wait
    /// is over, the order's history still lacks the comment, and ferry posts it again, once.
    @Test func aCommentTheStoreNeverAddedIsPostedAgainAfterTheWait() async throws {
        try await withLateStore(applies: false) { sandbox, client, store in
            var updater = OrderUpdater(client: client, store: store, scope: "lost", settings: UpdateSettings())
            updater.undecidedSeconds = 600
            sandbox.updateOptions { $0.faults.applyLate = 1 }
            await #expect(throws: MagentoError.self) { try await updater.update([Self.request]) }
            sandbox.updateOptions { $0.faults.applyLate = 0 }
            let undecided = await #expect(throws: MagentoError.self) { try await updater.update([Self.request]) }
            #expect(undecided?.code == .undecided)
            try await waitFor { await sandbox.store.requestLog().contains { $0.fault == "lost" } }
            #expect(await sandbox.store.comments(2).isEmpty)
            // The wait is over (shortened here): the history still lacks it, so it is posted again.
            updater.undecidedSeconds = 0
            #expect(try await updater.update([Self.request]) == [.posted])
            #expect(await sandbox.store.comments(2).count == 1)
            #expect(await sandbox.store.requestLog().filter { $0.method == "POST" }.map(\.fault) == ["lost", nil])
        }
    }

    /// A gateway in front of the store (Varnish, Fastly) answers 503 "Backend fetch failed" while the store goes
    /// on and adds the comment 2 s later. The client does not send the POST again (the 503 is not Magento's
    /// maintenance page), the order is undecided, and the comment shows once.
    @Test func aCommentBehindAGateways503IsNotPostedAgain() async throws {
        var options = MagentoSandboxOptions()
        options.faults.lateSeconds = 2
        options.faults.gatewayStatus = 503
        try await withSandbox(
            orders: 3, options: options,
            retry: RetryPolicy(maxAttempts: 4, initial: .milliseconds(1), maximum: .milliseconds(5))
        ) { sandbox, client, store in
            var updater = OrderUpdater(client: client, store: store, scope: "gateway", settings: UpdateSettings())
            updater.undecidedSeconds = 600
            sandbox.updateOptions { $0.faults.applyLate = 1 }
            let refused = await #expect(throws: MagentoError.self) { try await updater.update([Self.request]) }
            #expect(refused?.code == .http && refused?.status == 503, "a gateway's 503 is not maintenance: \(String(describing: refused))")
            sandbox.updateOptions { $0.faults.applyLate = 0 }
            let undecided = await #expect(throws: MagentoError.self) { try await updater.update([Self.request]) }
            #expect(undecided?.code == .undecided, "\(String(describing: undecided))")
            try await waitFor { await sandbox.store.comments(2).count == 1 }
            #expect(try await updater.update([Self.request]) == [.alreadyPosted])
            #expect(await sandbox.store.comments(2).count == 1)
            let posts = await sandbox.store.requestLog().filter { $0.method == "POST" }
            #expect(posts.map(\.fault) == ["gateway"], "the comment was posted \(posts.count) times")
        }
    }
}
