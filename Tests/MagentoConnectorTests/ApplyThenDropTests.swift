import FerryState
import FerryValues
import Foundation
import MagentoConnector
import MagentoSandbox
import Testing

/// A store that applies a call and then closes the connection with no byte of answer (a proxy or PHP-FPM worker
/// dying after the commit): a comment must still be stored exactly once.
@Suite struct ApplyThenDropTests {
    func incrementID(_ id: Int) -> String { String(format: "%09d", 100_000_000 + id) }

    /// The HTTP layer alone: on a kept-alive connection libcurl re-sends a request whose connection died before
    /// any answer. A comment POST must reach the store once and come back as "no answer", never be re-sent.
    @Test func aDroppedCommentOnAKeptAliveConnectionIsSentOnce() async throws {
        try await withSandbox(orders: 3) { sandbox, client, _ in
            // Opens the connection libcurl keeps alive for the next call.
            _ = try await client.order(entityID: 2)
            sandbox.updateOptions { $0.faults.applyThenDrop = 1 }
            let error = await #expect(throws: MagentoError.self) {
                try await client.addComment(
                    entityID: 2, comment: "Imported into Sage as sales order 90002", status: nil,
                    notifyCustomer: false, visibleOnFront: false)
            }
            #expect(error?.code == .transport, "a dropped answer is 'sent, no answer', not a refusal")
            #expect(await sandbox.store.comments(2).count == 1)
            let posts = await sandbox.store.requestLog().filter { $0.method == "POST" }
            #expect(posts.count == 1, "the POST reached the store \(posts.count) times")
        }
    }

    /// 1,000 orders, 30 % of every call (searches, reads, comment POSTs) applied and then cut off with no
    /// answer: after the runs the engine would make (a run that gives up is retried), each order holds exactly
    /// one comment, and the ledger says `posted` for each.
    @Test func thousandCommentsAtThirtyPercentDropsGiveOneCommentPerOrder() async throws {
        let count = 1000
        let faults = SandboxFaults(applyThenDrop: 0.3, seed: 30)
        try await withSandbox(
            orders: count, options: MagentoSandboxOptions(faults: faults),
            retry: RetryPolicy(maxAttempts: 8, initial: .milliseconds(1), maximum: .milliseconds(10))
        ) { sandbox, client, store in
            let updater = OrderUpdater(client: client, store: store, scope: "drop", settings: UpdateSettings())
            let requests = (1...count).map {
                OrderUpdateRequest(incrementID: incrementID($0), comment: "Imported into Sage as sales order \(90_000 + $0)")
            }
            var outcomes: [UpdateOutcome] = []
            var runs = 0
            while outcomes.isEmpty && runs < 50 {
                runs += 1
                do { outcomes = try await updater.update(requests) } catch let error as MagentoError {
                    #expect(error.isTransient, "\(error)")
                }
            }
            #expect(outcomes.count == count, "still failing after \(runs) runs")
            #expect(outcomes.allSatisfy { $0.succeeded })
            var wrong: [String] = []
            for id in 1...count {
                let comments = await sandbox.store.comments(id)
                if comments.count != 1 || comments.first?["comment"]?.text != "Imported into Sage as sales order \(90_000 + id)" {
                    wrong.append("order \(id): \(comments.count) comments")
                }
            }
            #expect(wrong.isEmpty, "\(wrong.count) orders wrong, e.g. \(wrong.prefix(10))")
            let log = await sandbox.store.requestLog()
            let posts = log.filter { $0.method == "POST" }
            let droppedPosts = posts.filter { $0.fault == "applyThenDrop" }.count
            // Each POST the store saw stored a comment: none was sent twice.
            #expect(posts.count == count)
            #expect(droppedPosts > count / 5, "the fault must really hit the POSTs (\(droppedPosts))")
            // The ledger knows every comment as posted: a later run of the same input posts nothing.
            sandbox.updateOptions { $0.faults.applyThenDrop = 0 }
            let again = try await updater.update(requests)
            #expect(again.allSatisfy { $0 == .alreadyPosted })
            #expect(await sandbox.store.requestLog().filter { $0.method == "POST" }.count == count)
            print("apply-then-drop: \(log.count) calls, \(log.filter { $0.fault != nil }.count) dropped, "
                + "\(posts.count) POSTs (\(droppedPosts) dropped), \(runs) runs")
        }
    }
}
