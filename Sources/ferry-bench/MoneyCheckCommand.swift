import ArgumentParser
import FerryDemo
import Foundation

/// `ferry-bench money`: the money property check at full size (`scripts/money-check`); CI runs a few thousand
/// orders of it as a test.
struct MoneyCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "money",
        abstract: "Map generated orders under every tax setting; every one must reconcile to the penny or be refused.")

    @Option(help: "Orders, spread over the 96 combinations of Magento's tax settings.")
    var orders = 100_000

    @Option(help: "Seed of the first combination.")
    var seed: UInt64 = 12

    func run() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-money-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let start = Date()
        let report = try MoneyCheck(seed: seed).run(orders: orders, in: work)
        print(report)
        print("seconds \(String(format: "%.1f", Date().timeIntervalSince(start)))")
        if !report.failures.isEmpty { throw ExitCode(1) }
    }
}
