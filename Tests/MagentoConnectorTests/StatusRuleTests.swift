import FerryState
import FerryValues
import Foundation
import MagentoConnector
import MagentoSandbox
import Testing

/// Status changes legal on a stock Magento 2.4: the sandbox refuses what 2.4 refuses, and ferry never asks.
@Suite struct StatusRuleTests {
    func incrementID(_ id: Int) -> String { String(format: "%09d", 100_000_000 + id) }

    /// The sandbox answers as 2.4's comment API: a status outside the order's state is a 400 with Magento's
    /// phrase, nothing stored; a comment without a status takes the order's status into the history.
    @Test func sandboxEnforcesTheStateStatusRule() async throws {
        try await withSandbox(orders: 3) { sandbox, client, _ in
            let refused = await #expect(throws: MagentoError.self) {
                try await client.addComment(
                    entityID: 1, comment: "x", status: "processing", notifyCustomer: false, visibleOnFront: false)
            }
            #expect(refused?.status == 400)
            #expect(refused?.message == "Unable to add comment: The status \"processing\" is not part of the order status history.")
            #expect(await sandbox.store.comments(1).isEmpty)
            // `exported` is nobody's status on a fresh store.
            await #expect(throws: MagentoError.self) {
                try await client.addComment(
                    entityID: 1, comment: "x", status: "exported", notifyCustomer: false, visibleOnFront: false)
            }
            try await client.addComment(
                entityID: 1, comment: "plain note", status: nil, notifyCustomer: false, visibleOnFront: false)
            let history = await sandbox.store.comments(1)
            #expect(history.count == 1)
            #expect(history.first?["status"]?.text == "pending")
            #expect(history.first?["entity_name"]?.text == "order")
            // A processing order may become `fraud` (stock pair), never `pending`.
            await sandbox.store.setState(2, state: "processing", status: "processing")
            try await client.addComment(
                entityID: 2, comment: "suspect", status: "fraud", notifyCustomer: false, visibleOnFront: false)
            #expect(await sandbox.store.order(2)?["status"]?.text == "fraud")
            await #expect(throws: MagentoError.self) {
                try await client.addComment(
                    entityID: 2, comment: "y", status: "pending", notifyCustomer: false, visibleOnFront: false)
            }
        }
    }

    /// `notifyStage: processing` on orders in every state: the ones whose state allows it get comment and status,
    /// the others the comment alone; Magento never answers 400. With `statusNotAllowed: fail` the others are
    /// reported and nothing is posted for them.
    @Test func notifyStageIsCheckedAgainstEachOrdersState() async throws {
        try await withSandbox(orders: 6) { sandbox, client, store in
            let states = [
                (2, "processing", "processing"), (3, "complete", "complete"), (4, "canceled", "canceled"),
                (5, "holded", "holded"),
            ]
            for (id, state, status) in states { await sandbox.store.setState(id, state: state, status: status) }
            let requests = (1...5).map { OrderUpdateRequest(incrementID: incrementID($0), comment: "Sage order 9000\($0)") }
            let updater = OrderUpdater(
                client: client, store: store, scope: "lenient",
                settings: UpdateSettings(notifyStage: "processing", preventReprocessing: false))
            let outcomes = try await updater.update(requests)
            #expect(outcomes == Array(repeating: .posted, count: 5))
            for id in 1...5 { #expect(await sandbox.store.comments(id).count == 1, "order \(id)") }
            #expect(await sandbox.store.comments(2).first?["status"]?.text == "processing")
            #expect(await sandbox.store.order(1)?["status"]?.text == "pending")
            #expect(await sandbox.store.order(3)?["status"]?.text == "complete")
            #expect(await sandbox.store.order(4)?["status"]?.text == "canceled")
            #expect(await sandbox.store.requestLog().allSatisfy { $0.status != 400 })

            let strict = OrderUpdater(
                client: client, store: store, scope: "strict",
                settings: UpdateSettings(notifyStage: "processing", preventReprocessing: false, statusNotAllowed: "fail"))
            let strictOutcomes = try await strict.update(requests.map {
                OrderUpdateRequest(incrementID: $0.incrementID, comment: "again \($0.incrementID)")
            })
            #expect(strictOutcomes[1] == .posted)
            for index in [0, 2, 3, 4] {
                guard case .failed(let reason) = strictOutcomes[index] else {
                    Issue.record("order \(index + 1) should be reported"); continue
                }
                #expect(reason.contains("not notifyStage \"processing\""), "\(reason)")
            }
            #expect(await sandbox.store.comments(1).count == 1)
            #expect(await sandbox.store.comments(2).count == 2)
        }
    }

    /// customStatuses says `exported` belongs to `new`, the store says otherwise: the 400 stored nothing, so the
    /// comment goes alone, once.
    @Test func aStatusTheStoreRefusesFallsBackToTheCommentAlone() async throws {
        try await withSandbox(orders: 2) { sandbox, client, store in
            let updater = OrderUpdater(
                client: client, store: store, scope: "mismatch",
                settings: UpdateSettings(notifyStage: "exported", customStatuses: exportedStatus))
            let outcomes = try await updater.update([OrderUpdateRequest(incrementID: incrementID(1), comment: "Sage 1")])
            #expect(outcomes == [.posted])
            let comments = await sandbox.store.comments(1)
            #expect(comments.count == 1)
            #expect(comments.first?["status"]?.text == "pending")
            let posts = await sandbox.store.requestLog().filter { $0.method == "POST" }
            #expect(posts.map(\.status) == [400, 200])
            #expect(try await updater.update([OrderUpdateRequest(incrementID: incrementID(1), comment: "Sage 1")]) == [.alreadyPosted])
        }
    }

    /// A notifyStage no state has on a stock store is a settings error naming the key and the fix.
    @Test func aStatusUnknownToAStockStoreIsASettingsError() throws {
        let problem = try #require(UpdateSettings(notifyStage: "exported").validate())
        #expect(problem.key == "notifyStage")
        #expect(problem.message.contains("customStatuses"))
        #expect(UpdateSettings(notifyStage: "exported", customStatuses: exportedStatus).validate() == nil)
        #expect(UpdateSettings(notifyStage: "processing").validate() == nil)
        #expect(UpdateSettings().validate() == nil)
        #expect(UpdateSettings(statusNotAllowed: "skip").validate()?.key == "statusNotAllowed")
    }

    /// Canceled and closed orders are not sales: left out of the download unless the setting says otherwise.
    @Test func canceledAndClosedOrdersAreNotDownloaded() async throws {
        try await withSandbox(orders: 6) { sandbox, client, store in
            await sandbox.store.setState(2, state: "canceled", status: "canceled")
            await sandbox.store.setState(4, state: "closed", status: "closed")
            await sandbox.store.setState(5, state: "processing", status: "processing")
            let every = DownloadSettings(stages: [], sinceLastRun: false)
            let batch = try await OrderDownloader(client: client, store: store, scope: "d", settings: every).fetch()
            #expect(batch.orders.compactMap(\.entityID) == [1, 3, 5, 6])
            #expect(batch.canceledOrClosed == 2)
            var including = every
            including.includeCanceledAndClosed = true
            let all = try await OrderDownloader(client: client, store: store, scope: "d2", settings: including).fetch()
            #expect(all.orders.compactMap(\.entityID) == [1, 2, 3, 4, 5, 6])
        }
    }
}
