import FerryDemo
import Foundation
import Testing

/// Issue 12's property, CI-sized: orders priced by the sandbox's Magento tax model under all 96 combinations of
/// the store's tax settings all reconcile with Sage to the penny or are refused for a reason true of their data.
/// `scripts/money-check` runs the same check over 100,000 orders.
@Suite struct MoneyPropertyTests {
    @Test func everyGeneratedOrderReconcilesOrIsRefusedForItsData() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-money-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let report = try MoneyCheck(seed: 12).run(orders: 2_880, in: dir)
        #expect(report.orders == 2_880)
        #expect(report.failures.isEmpty, "\(report)")
        // Both ways of carrying money occur, and most orders go through.
        #expect(report.sentNet > 0 && report.sentGross > 0, "\(report)")
        #expect(report.sentNet + report.sentGross > report.orders / 2, "\(report)")
    }
}
