import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Case 4a: the order download as a user runs it: `ferry download`, a whole process on a fresh folder tree (config,
/// state store, every page, the order files of 500, the commit with the emitted-order ledger and the watermark,
/// every fsync), against `ferry sandbox` (a separate process on 127.0.0.1, seeded with the orders). Baseline: a
/// curl loop paging the same API (pages of 100, sorted by entity_id) and saving the raw JSON, one `curl` per page
/// as a shell script would. The two alternate; medians of the repeats.
struct DownloadBench {
    struct Row {
        var orders: Int
        var ferrySeconds: [Double] = []
        var ferryRSS: [Int] = []
        var curlSeconds: [Double] = []
        var downloaded = 0
        var curlBytes = 0
    }

    let root: URL
    let ferry: String
    let sizes: [Int]
    let repeats: Int

    func run() throws -> [Row] {
        try rowsPerSize(in: root, sizes: sizes) { (size: Int) -> Row in
            let port = try Self.freePort()
            note("download: starting ferry sandbox with \(size) orders on port \(port)")
            let sandbox = Process()
            sandbox.executableURL = URL(fileURLWithPath: ferry)
            sandbox.arguments = ["sandbox", "--port", "\(port)", "--orders", "\(size)", "--seed", "7"]
            sandbox.standardOutput = FileHandle.nullDevice
            sandbox.standardError = FileHandle.nullDevice
            try sandbox.run()
            defer {
                sandbox.terminate()
                sandbox.waitUntilExit()
            }
            let base = "http://127.0.0.1:\(port)"
            let deadline = now() + 600
            while shell("curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer sandbox-token' '\(base)/rest/default/V1/orders?searchCriteria%5BpageSize%5D=1'") != "200" {
                guard now() < deadline, sandbox.isRunning else { throw BenchError("ferry sandbox did not answer within 600 s") }
                usleep(200_000)
            }
            var row = Row(orders: size)
            for round in 0..<repeats {
                for side in round % 2 == 0 ? ["ferry", "curl"] : ["curl", "ferry"] {
                    if side == "ferry" {
                        let workspace = try Self.workspace(root.appendingPathComponent("workspace"), base: base)
                        let cost = try runMeasured(
                            ["env", "MAGENTO_TOKEN=sandbox-token", ferry, "download", "--config",
                             workspace.appendingPathComponent("config.json").path], timeout: 1800)
                        row.ferrySeconds.append(cost.seconds)
                        row.ferryRSS.append(cost.peakRSSKilobytes)
                        let inbox = workspace.appendingPathComponent("inbox")
                        row.downloaded = ((try? FileManager.default.contentsOfDirectory(atPath: inbox.path)) ?? [])
                            .reduce(0) { $0 + Self.countOrderInfos(inbox.appendingPathComponent($1)) }
                        try? FileManager.default.removeItem(at: workspace)
                        note("download \(size) ferry: \(row.downloaded) orders in \(String(format: "%.2f", cost.seconds)) s, peak RSS \(cost.peakRSSKilobytes / 1024) MB")
                    } else {
                        let folder = root.appendingPathComponent("curl")
                        try makeFolder(folder)
                        let started = now()
                        let status = shell("cd '\(folder.path)' && \(Self.curlLoop(base: base)) && echo ok")
                        row.curlSeconds.append(now() - started)
                        guard status.hasSuffix("ok") else { throw BenchError("the curl loop failed: \(status)") }
                        row.curlBytes = Int(shell("cat '\(folder.path)'/page-*.json | wc -c")) ?? 0
                        try? FileManager.default.removeItem(at: folder)
                        note("download \(size) curl: \(String(format: "%.2f", row.curlSeconds.last!)) s")
                    }
                }
            }
            return row
        }
    }

    /// The baseline: page 1 for the total, then every page of 100 by entity_id, each saved as it came.
    static func curlLoop(base: String) -> String {
        let query = "searchCriteria%5BsortOrders%5D%5B0%5D%5Bfield%5D=entity_id"
            + "&searchCriteria%5BsortOrders%5D%5B0%5D%5Bdirection%5D=ASC&searchCriteria%5BpageSize%5D=100"
        return """
            set -e; url='\(base)/rest/default/V1/orders?\(query)'; \
            curl -sf -H 'Authorization: Bearer sandbox-token' "$url&searchCriteria%5BcurrentPage%5D=1" -o page-1.json; \
            total=$(grep -o '"total_count":[0-9]*' page-1.json | tail -1 | cut -d: -f2); \
            pages=$(( (total + 99) / 100 )); \
            for p in $(seq 2 $pages); do \
            curl -sf -H 'Authorization: Bearer sandbox-token' "$url&searchCriteria%5BcurrentPage%5D=$p" -o page-$p.json; done
            """
    }

    /// A fresh folder tree with the download stage alone (every status, the reference's page size of 100).
    static func workspace(_ folder: URL, base: String) throws -> URL {
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("inbox"), withIntermediateDirectories: true)
        let config = """
            {
              "logLevel": "warning",
              "connections": {"magento": {"baseUrl": "\(base)", "auth": "bearer", "tokenEnv": "MAGENTO_TOKEN"}},
              "stages": [
                {"name": "download-orders", "task": "magento.download-orders", "everySeconds": 300,
                 "settings": {"stages": [], "sinceLastRun": true, "pageSize": 100}, "outputs": {"out": "inbox"}}
              ]
            }
            """
        try Data(config.utf8).write(to: folder.appendingPathComponent("config.json"))
        return folder
    }

    /// Counts `<OrderInfo>` start tags.
    static func countOrderInfos(_ url: URL) -> Int {
        Int(shell("grep -o '<OrderInfo>' '\(url.path)' | wc -l")) ?? 0
    }

    /// A TCP port free on 127.0.0.1 now (bound to port 0, read back, closed).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw BenchError("bind: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
