import Foundation
import MagentoConnector
import MagentoSandbox
import Synchronization
import Testing

/// The order update reports each order as it is done, posted or refused (issue 16: the progress of a 5,000-order
/// file showed nothing between files).
@Suite struct UpdateProgressTests {
    @Test func eachOrderIsReportedAsItIsDone() async throws {
        let count = 120
        try await withSandbox(orders: count) { sandbox, client, store in
            let updater = OrderUpdater(client: client, store: store, scope: "progress", settings: UpdateSettings())
            var requests = (1...count).map {
                OrderUpdateRequest(incrementID: String(format: "%09d", 100_000_000 + $0), comment: "Imported into Sage as sales order \(90_000 + $0)")
            }
            requests.append(OrderUpdateRequest(incrementID: "999999999", comment: "no such order"))
            let reports = Mutex<[(done: Int, total: Int)]>([])
            let outcomes = try await updater.update(requests) { done, total in reports.withLock { $0.append((done, total)) } }
            #expect(outcomes.count == count + 1)
            let seen = reports.withLock { $0 }
            #expect(seen.map(\.done) == Array(1...(count + 1)))
            #expect(seen.allSatisfy { $0.total == count + 1 })
            #expect(outcomes.prefix(count).allSatisfy(\.succeeded) && !outcomes[count].succeeded)
        }
    }
}
