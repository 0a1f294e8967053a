import FerryPipeline
import FerryTestSupport
import FerryXML
import Foundation
import SageSide
import Testing

/// Resident set size of this process, from /proc (Linux).
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

@Suite("Streaming a large order file")
struct StreamingTests {
    static let orderCount = 200_000

    /// 200,000 orders mapped record by record: resident memory while mapping stays within a bound far below the
    /// file's size (it would grow by hundreds of MB if the file were loaded).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["FERRY_SKIP_LARGE"] == nil))
    func twoHundredThousandOrdersInFlatMemory() async throws {
        try await withTemporaryDirectory { dir in
            // Minutes of synchronous work: on its own thread, so the test process's few cooperative threads keep
            // serving the other tests running beside this one.
            let result = try await offload { try Self.mapLargeFile(in: dir) }
            #expect(result.summary.read == Self.orderCount)
            #expect(result.summary.sent == Self.orderCount)
            #expect(result.callbacks == Self.orderCount)
            let growth = result.peak - result.baseline
            print("streaming: input \(result.fileSize / 1_048_576) MiB, RSS growth while mapping \(growth / 1_048_576) MiB")
            #expect(result.fileSize > 150 * 1_048_576)
            // The records must not accumulate: loading the file would take several times its size. The bound
            // leaves room for tests running beside this one in the same process (RSS is process-wide).
            #expect(growth < result.fileSize / 3)
        }
    }

    struct LargeRun: Sendable {
        var summary: OrderFileSummary
        var fileSize: Int
        var baseline: Int
        var peak: Int
        var callbacks: Int
    }

    /// Writes the 200,000-order file and maps it, sampling resident memory.
    static func mapLargeFile(in dir: URL) throws -> LargeRun {
        let input = dir.appendingPathComponent("large.xml")
        let writer = try XMLStreamWriter(url: input)
        try writer.startElement("ArrayOfOrderInfo")
        var template = orderElement(baseOrder(1))
        for index in 1...Self.orderCount {
            template.children = template.children.map { child in
                switch child.name {
                case "order_id": OutputElement("order_id", "\(index)")
                case "increment_id": OutputElement("increment_id", "\(100_000_000 + index)")
                default: child
                }
            }
            try writer.write(template)
        }
        try writer.endElement()
        try writer.finish()
        let fileSize = try FileManager.default.attributesOfItem(atPath: input.path)[.size] as? Int ?? 0

        var baseline = 0
        var peak = 0
        var callbacks = 0
        let out = dir.appendingPathComponent("out.xml")
        let summary = try OrderFileMapper(settings: OrderMappingSettings(), logger: quietLogger).map(
            input: input, output: { out }, fail: nil, sent: SentOrders(spillFile: dir.appendingPathComponent("sent.tsv")),
            lookup: nil,
            onRecord: { progress in
                callbacks += 1
                if progress.read == 2_000 { baseline = residentBytes() }
                if progress.read % 10_000 == 0 { peak = max(peak, residentBytes()) }
            })
        return LargeRun(summary: summary, fileSize: fileSize, baseline: baseline, peak: peak, callbacks: callbacks)
    }
}
