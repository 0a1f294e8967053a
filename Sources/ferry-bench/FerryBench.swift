import ArgumentParser
import Foundation

/// `ferry-bench`: ferry against what users would otherwise run, side by side in the same run, medians of repeats.
/// `scripts/bench` builds it in release mode and runs `ferry-bench run`.
@main
struct FerryBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ferry-bench", abstract: "Benchmarks of ferry against xsltproc and inotifywait loops.",
        subcommands: [RunCommand.self, MapNativeCommand.self, GenerateCommand.self, MoneyCheckCommand.self], defaultSubcommand: RunCommand.self)
}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the cases, write the report.")

    @Flag(help: "Small sizes (for development): the figures are not the report's.")
    var quick = false

    @Option(help: "Cases to run, comma-separated: mapping, burst, latency, magento (or download, inventory).")
    var cases = "mapping,burst,latency,magento"

    @Option(help: "Repeats per measurement (medians are reported).")
    var repeats = 3

    @Option(help: "Where the report goes.")
    var report = "docs/benchmarks.md"

    @Option(help: "Scratch folder (its filesystem is reported).")
    var work = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-bench").path

    @Option(help: "A tmpfs folder where the burst and latency cases also run (empty: only on the scratch disk).")
    var tmpfs = "/dev/shm"

    @Option(help: "The ferry executable (default: beside ferry-bench).")
    var ferry: String?

    @Option(help: "The reference stylesheet.")
    var stylesheet = "mappings/magento-orders-to-sage-orders.xsl"

    func run() async throws {
        let selfPath = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        let selfURL = URL(fileURLWithPath: Bundle.main.executablePath ?? selfPath)
        let ferryPath = ferry ?? selfURL.deletingLastPathComponent().appendingPathComponent("ferry").path
        let workURL = URL(fileURLWithPath: work)
        try makeFolder(workURL)
        defer { try? FileManager.default.removeItem(at: workURL) }
        let xsl = URL(fileURLWithPath: stylesheet).standardizedFileURL
        guard FileManager.default.fileExists(atPath: xsl.path) else { throw BenchError("no stylesheet at \(xsl.path)") }
        let chosen = Set(cases.split(separator: ",").map { String($0) })
        var results = Results(quick: quick, repeats: repeats, workFolder: work)

        if chosen.contains("mapping") {
            results.mapping = try MappingBench(
                root: workURL.appendingPathComponent("mapping"), stylesheet: xsl, selfPath: selfURL.path,
                ferry: ferryPath, sizes: quick ? [1_000, 10_000] : [1_000, 10_000, 100_000], repeats: repeats
            ).run()
            results.caseEnded("mapping")
        }
        // The burst and latency cases run on the disk and on tmpfs: the disk's fsync sets the floor of every durable
        // hand-over, tmpfs shows what the engine itself costs.
        var places: [(label: String, root: URL, full: Bool)] = []
        var tmpfsRoot: URL?
        if !tmpfs.isEmpty, FileManager.default.fileExists(atPath: tmpfs) {
            let root = URL(fileURLWithPath: tmpfs).appendingPathComponent("ferry-bench-\(ProcessInfo.processInfo.processIdentifier)")
            tmpfsRoot = root
            places.append(("tmpfs", root, true))
        }
        defer { if let tmpfsRoot { try? FileManager.default.removeItem(at: tmpfsRoot) } }
        let diskType = shell("stat -f -c %T '\(work)'")
        places.append(("disk (\(diskType))", workURL, false))
        if chosen.contains("burst") || chosen.contains("latency") {
            for place in places {
                try makeFolder(place.root)
                let probe = syncedRenames(folder: place.root)
                results.fsyncProbe.append((place.label, probe.perSecond, probe.p99))
                note("\(place.label): \(Int(probe.perSecond)) synced renames/s, p99 \(String(format: "%.1f", probe.p99 * 1000)) ms")
            }
        }
        if chosen.contains("latency") {
            for place in places {
                // The same hand-over at the lone files' rate: each meets an idle disk, as a lone file does.
                let probe = syncedRenames(folder: place.root, count: 200, pause: 0.2)
                results.fsyncProbeAtFive.append((place.label, probe.p99))
                note("\(place.label): synced renames at 5/s, p99 \(String(format: "%.1f", probe.p99 * 1000)) ms")
            }
        }
        if chosen.contains("burst") {
            for place in places {
                // On the disk one size and one run: at its fsync rate a 10,000-file burst would take many minutes.
                // 30,000 on tmpfs: past fs.inotify.max_queued_events (16,384), where an inotifywait loop loses files.
                let sizes = place.full ? (quick ? [200, 1_000] : [1_000, 10_000, 30_000]) : (quick ? [100] : [1_000])
                results.burst += try BurstBench(
                    filesystem: place.label, root: place.root.appendingPathComponent("burst"), ferry: ferryPath,
                    stylesheet: xsl, sizes: sizes, repeats: place.full ? repeats : 1, loopTimeout: 900
                ).run()
            }
            results.caseEnded("burst")
        }
        if chosen.contains("latency") {
            for place in places {
                // 5 files/s is the lone-file case (issue 18): each file meets an idle daemon.
                results.latency += try LatencyBench(
                    filesystem: place.label, root: place.root.appendingPathComponent("latency"), ferry: ferryPath,
                    rates: place.full ? [5, 20, 200] : [5, 20], files: quick ? 100 : 500
                ).run()
                results.loneFiles.append(try LoneFileBench(
                    filesystem: place.label, root: place.root.appendingPathComponent("lone"), ferry: ferryPath,
                    files: quick ? 20 : 50
                ).run())
            }
            results.caseEnded("latency and lone files")
        }
        // `magento` is both; `download` or `inventory` picks one.
        let bench = MagentoBench(root: workURL.appendingPathComponent("magento"), repeats: repeats)
        if chosen.contains("magento") || chosen.contains("download") {
            results.downloadRuns = try DownloadBench(
                root: workURL.appendingPathComponent("download"), ferry: ferryPath,
                sizes: quick ? [1_000, 10_000] : [1_000, 10_000, 100_000], repeats: repeats
            ).run()
            results.download = try await bench.download(sizes: quick ? [500, 1_000] : [1_000, 10_000])
            results.caseEnded("download")
        }
        if chosen.contains("magento") || chosen.contains("inventory") {
            results.inventory = try await bench.inventory(sizes: quick ? [2_000, 10_000] : [10_000, 100_000])
            results.caseEnded("inventory")
        }
        let text = results.markdown(keeping: (try? String(contentsOfFile: report, encoding: .utf8)) ?? "")
        try Data(text.utf8).write(to: URL(fileURLWithPath: report))
        note("report written to \(report)")
        print(results.summary)
    }
}

struct MapNativeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map-native", abstract: "Child process of the mapping case: map one file natively.")

    @Option var input: String
    @Option var output: String

    func run() throws {
        try MappingBench.mapNative(input: URL(fileURLWithPath: input), output: URL(fileURLWithPath: output))
    }
}

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Write a Magento order file of generated orders.")

    @Option var orders = 1_000
    @Option var output: String

    func run() throws {
        try OrderGenerator.write(ids: 1..<(orders + 1), to: URL(fileURLWithPath: output))
    }
}
