import FerryPipeline
import FerryTestSupport
import Foundation
import Testing

/// `ferry demo --sage200 --once`: config.sage200.json's workflow against the Magento sandbox and the Sage 200
/// stand-in, run as the real binary in a temporary folder.
@Suite struct Sage200DemoTests {
    @Test func oneCycleImportsEveryOrderAndUpdatesMagento() async throws {
        try await withTemporaryDirectory { dir in
            let config = dir.appendingPathComponent("config.sage200.json")
            try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("config.sage200.json"), to: config)
            try makeStageFolders(of: config)
            let finished = try await offload {
                try runProcess(
                    ferryExecutable.path, ["demo", "--sage200", "--once", "--orders", "12", "--config", config.path])
            }
            #expect(finished.status == 0, "\(finished.output)")
            // "orders imported into Sage           12" -> ["orders imported into Sage": 12]
            var figures: [String: Int] = [:]
            for line in finished.output.split(separator: "\n") {
                let words = line.split(separator: " ")
                if let last = words.last, let value = Int(last) { figures[words.dropLast().joined(separator: " ")] = value }
            }
            #expect(figures["orders downloaded from Magento"] == 12, "\(finished.output)")
            let imported = try #require(figures["orders imported into Sage"])
            #expect(imported + (figures["orders rejected by Sage"] ?? 0) == 12)
            // The sandbox's generated orders include EU tax rates, configurable parents and pennies of rounding that
            // the Sage 200 mapping refuses with the reason (docs/sage200.md); the rest go in and are commented.
            #expect(imported > 0)
            #expect(figures["orders updated in Magento"] == imported)
            #expect(figures["files quarantined"] == 0)
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("state/sage200-token.json").path))
        }
    }
}
