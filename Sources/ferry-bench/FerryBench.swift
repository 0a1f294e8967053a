import ArgumentParser
import Foundation

/// `ferry-bench`: ferry against what users would otherwise run, side by side in the same run, medians of repeats.
/// `scripts/bench` builds it in release mode and runs `ferry-bench run`.
@main
struct FerryBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ferry-bench", abstract: "Benchmarks of ferry against xsltproc and inotifywait loops.",
        subcommands: [RunCommand.self, MapNativeCommand.self, GenerateCommand.self], defaultSubcommand: RunCommand.self)
}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the cases, write the report.")

    @Flag(help: "Small sizes (for development): the figures are not the report's.")
    var quick = false

    @Option(help: "Cases to run, comma-separated: mapping, burst, latency, magento.")
    var cases = "mapping,burst,latency,magento"

    @Option(help: "Repeats per measurement (medians are reported).")
    var repeats = 3

    @Option(help: "Where the report goes.")
    var report = "docs/benchmarks.md"

    @Option(help: "Scratch folder (its filesystem is reported).")
    var work = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-bench").path

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
                sizes: quick ? [1_000, 5_000, 10_000] : [10_000, 50_000, 100_000], repeats: repeats
            ).run()
        }
        if chosen.contains("burst") {
            results.burst = try BurstBench(
                root: workURL.appendingPathComponent("burst"), ferry: ferryPath, stylesheet: xsl,
                sizes: quick ? [200, 1_000] : [1_000, 10_000], repeats: repeats, loopTimeout: 900
            ).run()
        }
        if chosen.contains("latency") {
            results.latency = try LatencyBench(
                root: workURL.appendingPathComponent("latency"), ferry: ferryPath, rates: [20, 200],
                files: quick ? 100 : 500
            ).run()
        }
        if chosen.contains("magento") {
            let bench = MagentoBench(root: workURL.appendingPathComponent("magento"), repeats: repeats)
            results.download = try await bench.download(sizes: quick ? [500, 1_000] : [1_000, 10_000])
            results.inventory = try await bench.inventory(sizes: quick ? [2_000, 10_000] : [10_000, 100_000])
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
