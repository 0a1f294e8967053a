import Foundation
import Logging
import SageSide

#if canImport(Glibc)
import Glibc
#endif

/// Case 1: one big Magento order file -> Zynk sales orders, as a user runs it: `ferry run --stage map-orders` on a
/// fresh workspace (config load, state store and ledger created, the file claimed, mapped, committed, published,
/// archived, with every fsync), beside `xsltproc` with the reference stylesheet. `xmllint --stream --noout` is the
/// floor (libxml2 alone stream-parsing the file); the library path (`ferry-bench map-native`: the mapping in a
/// process, no engine, no ledger) is an extra column.
struct MappingBench {
    struct Row {
        var orders: Int
        var inputBytes = 0
        var ferrySeconds: [Double] = []
        var ferryRSS: [Int] = []
        var xsltSeconds: [Double] = []
        var xsltRSS: [Int] = []
        var floorSeconds: [Double] = []
        var librarySeconds: [Double] = []
        var libraryRSS: [Int] = []
        var ferrySent = 0
        var xsltOrders = 0
    }

    let root: URL
    let stylesheet: URL
    let selfPath: String
    let ferry: String
    let sizes: [Int]
    let repeats: Int

    func run() throws -> [Row] {
        try rowsPerSize(in: root, sizes: sizes) { (size: Int) -> Row in
            let input = root.appendingPathComponent("orders-\(size).xml")
            note("mapping: generating \(size) orders")
            try OrderGenerator.write(ids: 1..<(size + 1), to: input)
            var row = Row(orders: size)
            row.inputBytes = (try? FileManager.default.attributesOfItem(atPath: input.path)[.size] as? Int) ?? 0
            let sides = ["ferry run", "xsltproc", "xmllint", "library"]
            for round in 0..<repeats {
                // Rotate the order so no side always runs on a warmer page cache.
                for offset in 0..<sides.count {
                    let side = sides[(round + offset) % sides.count]
                    let seconds = try measure(side, input: input, size: size, into: &row)
                    note("mapping \(size) \(side): \(String(format: "%.2f", seconds)) s")
                }
            }
            try? FileManager.default.removeItem(at: input)
            return row
        }
    }

    /// Runs one side once; returns its wall time.
    private func measure(_ side: String, input: URL, size: Int, into row: inout Row) throws -> Double {
        let output = root.appendingPathComponent("out-\(size).xml")
        defer { try? FileManager.default.removeItem(at: output) }
        switch side {
        case "ferry run":
            let workspace = try Self.workspace(root.appendingPathComponent("workspace"), input: input)
            defer { try? FileManager.default.removeItem(at: workspace) }
            let cost = try runMeasured(
                [ferry, "run", "--config", workspace.appendingPathComponent("config.json").path, "--stage", "map-orders"],
                timeout: 1200)
            row.ferrySeconds.append(cost.seconds)
            row.ferryRSS.append(cost.peakRSSKilobytes)
            let outbox = workspace.appendingPathComponent("outbox")
            row.ferrySent = ((try? FileManager.default.contentsOfDirectory(atPath: outbox.path)) ?? [])
                .reduce(0) { $0 + Self.countOrders(outbox.appendingPathComponent($1)) }
            return cost.seconds
        case "xsltproc":
            let cost = try runMeasured(["xsltproc", "-o", output.path, stylesheet.path, input.path], timeout: 1200)
            row.xsltSeconds.append(cost.seconds)
            row.xsltRSS.append(cost.peakRSSKilobytes)
            row.xsltOrders = Self.countOrders(output)
            return cost.seconds
        case "xmllint":
            let cost = try runMeasured(["xmllint", "--stream", "--noout", input.path], timeout: 1200)
            row.floorSeconds.append(cost.seconds)
            return cost.seconds
        default:
            let cost = try runMeasured(
                [selfPath, "map-native", "--input", input.path, "--output", output.path], timeout: 1200)
            row.librarySeconds.append(cost.seconds)
            row.libraryRSS.append(cost.peakRSSKilobytes)
            return cost.seconds
        }
    }

    /// A fresh ferry folder tree with one map stage and `input` hard-linked into its inbox (ferry renames and
    /// archives it, never changes it).
    static func workspace(_ folder: URL, input: URL) throws -> URL {
        try? FileManager.default.removeItem(at: folder)
        for sub in ["inbox", "outbox", "fail"] {
            try FileManager.default.createDirectory(
                at: folder.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        let config = """
            {
              "logLevel": "warning",
              "stages": [
                {"name": "map-orders", "task": "magento-orders-to-sage-orders", "watch": "inbox",
                 "outputs": {"out": "outbox", "fail": "fail"}}
              ]
            }
            """
        try Data(config.utf8).write(to: folder.appendingPathComponent("config.json"))
        guard link(input.path, folder.appendingPathComponent("inbox/orders.xml").path) == 0 else {
            throw BenchError("link \(input.path) into the workspace: errno \(errno)")
        }
        return folder
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

    /// The child side of the library path: maps `input` with the native mapping (default settings, no ledger),
    /// prints the orders sent.
    static func mapNative(input: URL, output: URL) throws {
        var logger = Logger(label: "ferry.bench")
        logger.logLevel = .critical
        let summary = try OrderFileMapper(settings: OrderMappingSettings(), logger: logger).map(
            input: input, output: { output }, fail: nil, sent: nil, lookup: nil)
        print(summary.sent)
    }
}
