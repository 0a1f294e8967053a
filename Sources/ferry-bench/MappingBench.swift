import Foundation
import Logging
import SageSide

/// Case 1: one big Magento order file -> Zynk sales orders, native mapping vs xsltproc with the reference stylesheet.
struct MappingBench {
    struct Row {
        var orders: Int
        var ferrySeconds: [Double] = []
        var ferryRSS: [Int] = []
        var xsltSeconds: [Double] = []
        var xsltRSS: [Int] = []
        var ferrySent = 0
        var xsltOrders = 0
    }

    let root: URL
    let stylesheet: URL
    let selfPath: String
    let sizes: [Int]
    let repeats: Int

    func run() throws -> [Row] {
        try makeFolder(root)
        defer { try? FileManager.default.removeItem(at: root) }
        var rows: [Row] = []
        for size in sizes {
            let input = root.appendingPathComponent("orders-\(size).xml")
            note("mapping: generating \(size) orders")
            try OrderGenerator.write(ids: 1..<(size + 1), to: input)
            var row = Row(orders: size)
            for round in 0..<repeats {
                // Alternate the order so neither side always runs on a warmer page cache.
                for side in round % 2 == 0 ? ["ferry", "xsltproc"] : ["xsltproc", "ferry"] {
                    let output = root.appendingPathComponent("\(side)-\(size).xml")
                    if side == "ferry" {
                        let cost = try runMeasured(
                            [selfPath, "map-native", "--input", input.path, "--output", output.path], timeout: 1200)
                        row.ferrySeconds.append(cost.seconds)
                        row.ferryRSS.append(cost.peakRSSKilobytes)
                        row.ferrySent = Int(cost.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
                    } else {
                        let cost = try runMeasured(
                            ["xsltproc", "-o", output.path, stylesheet.path, input.path], timeout: 1200)
                        row.xsltSeconds.append(cost.seconds)
                        row.xsltRSS.append(cost.peakRSSKilobytes)
                        row.xsltOrders = Self.countOrders(output)
                    }
                    note("mapping \(size) \(side): \(String(format: "%.2f", side == "ferry" ? row.ferrySeconds.last! : row.xsltSeconds.last!)) s")
                    try? FileManager.default.removeItem(at: output)
                }
            }
            try? FileManager.default.removeItem(at: input)
            rows.append(row)
        }
        return rows
    }

    /// Counts `<SalesOrder>` start tags, streaming.
    static func countOrders(_ url: URL) -> Int {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return 0 }
        defer { try? handle.close() }
        let needle = Array("<SalesOrder>".utf8)
        var count = 0
        var carry: [UInt8] = []
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            let bytes = carry + Array(chunk)
            var i = 0
            while i + needle.count <= bytes.count {
                if bytes[i] == needle[0], Array(bytes[i..<(i + needle.count)]) == needle { count += 1; i += needle.count } else { i += 1 }
            }
            carry = Array(bytes.suffix(needle.count - 1))
        }
        return count
    }

    /// The child side: maps `input` with the native mapping (default settings, no ledger), prints the orders sent.
    static func mapNative(input: URL, output: URL) throws {
        var logger = Logger(label: "ferry.bench")
        logger.logLevel = .critical
        let summary = try OrderFileMapper(settings: OrderMappingSettings(), logger: logger).map(
            input: input, output: { output }, fail: nil, sent: nil, lookup: nil)
        print(summary.sent)
    }
}
