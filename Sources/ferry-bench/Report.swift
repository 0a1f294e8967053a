import Foundation

/// Everything measured in one run, and the report made of it.
struct Results {
    var quick: Bool
    var repeats: Int
    var workFolder: String
    var mapping: [MappingBench.Row] = []
    var fsyncProbe: [(String, Double, Double)] = []
    /// The same probe with a pause of 0.2 s before each hand-over (the lone files' rate): filesystem, p99 seconds.
    var fsyncProbeAtFive: [(String, Double)] = []
    var loneFiles: [LoneFileBench.Row] = []
    var burst: [BurstBench.Row] = []
    var latency: [LatencyBench.Row] = []
    var download: [MagentoBench.DownloadRow] = []
    var downloadRuns: [DownloadBench.Row] = []
    var inventory: [MagentoBench.InventoryRow] = []
    /// The load average when each case ended (the machine is shared: a figure is read beside its load).
    var loads: [(String, String)] = []

    /// The hand-written part of an existing report (after this marker) is kept across runs.
    static let notesMarker = "<!-- Notes below this line are written by hand and kept when the bench rewrites the file. -->"

    private func f(_ value: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", value) }
    private func mb(_ kilobytes: Int) -> String { String(format: "%.1f", Double(kilobytes) / 1024) }
    private func mb(_ kilobytes: [Int]) -> String { mb(Int(median(kilobytes.map(Double.init)))) }
    private func whole(_ x: Double) -> Int { x.isFinite ? Int(x) : 0 }
    private func verdict(_ met: Bool) -> String { met ? "**met**" : "**missed**" }

    var machine: [(String, String)] {
        [
            ("Date (UTC)", shell("date -u '+%Y-%m-%d %H:%M'")),
            ("CPU", shell("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'")),
            ("nproc", shell("nproc")),
            ("Memory", shell("free -g | awk '/Mem:/ {print $2 \" GiB\"}'")),
            ("Kernel", shell("uname -r")),
            ("Swift", shell("swift --version 2>&1 | head -1")),
            ("xsltproc / libxml2 / libxslt", shell("xsltproc --version | head -1")),
            ("inotifywait", shell("inotifywait --help 2>&1 | head -1")),
            ("Scratch filesystem", shell("stat -f -c %T '\(workFolder)' 2>/dev/null || stat -f -c %T /tmp") + " (\(workFolder))"),
            ("fs.inotify.max_queued_events", shell("cat /proc/sys/fs/inotify/max_queued_events")),
            ("Load average at the end", shell("cut -d' ' -f1-3 /proc/loadavg")),
        ] + loads.map { ("Load average after \($0.0) (UTC)", $0.1) } + fsyncProbe.map {
            ("4 KB write+fsync+rename+fsync(dir) on \($0.0)", "\(whole($0.1))/s, p99 \(f($0.2 * 1000, 1)) ms (measured by ferry-bench)")
        } + fsyncProbeAtFive.map {
            ("The same on \($0.0), one every 0.2 s", "p99 \(f($0.1 * 1000, 1)) ms (measured by ferry-bench)")
        }
    }

    /// Records the time and the load average as `name` ends.
    mutating func caseEnded(_ name: String) {
        loads.append((name, shell("date -u +%H:%M") + ": " + loadAverage()))
    }

    func markdown(keeping previous: String) -> String {
        var out: [String] = []
        out.append("# Benchmarks")
        out.append("")
        out.append(
            "Written by `scripts/bench` (`ferry-bench run`, release build). Every case runs side by side with its "
                + "baseline in the same run; figures are medians of \(repeats) repeats unless a row says otherwise. "
                + "The machine is shared (2 cores, other engineers building): expect noise of tens of percent.")
        if quick { out.append("\n**Quick run (small sizes): not the reference figures.**") }
        out.append("")
        out.append("## Machine")
        out.append("")
        out.append("| | |")
        out.append("| --- | --- |")
        for (key, value) in machine { out.append("| \(key) | \(value.replacingOccurrences(of: "|", with: "/")) |") }
        out.append("")
        out += mappingSection() + burstSection() + latencySection() + magentoSection() + scaleSection()
        if let range = previous.range(of: Self.notesMarker) {
            out.append(String(previous[range.lowerBound...]))
        } else {
            out.append(Self.notesMarker)
            out.append("")
        }
        return out.joined(separator: "\n")
    }

    func mappingSection() -> [String] {
        guard !mapping.isEmpty else { return [] }
        var out = [
            "## 1. Mapping as run: `ferry run --stage map-orders` on a fresh workspace", "",
            "ferry: `ferry run --config ws/config.json --stage map-orders`, a whole process on a fresh folder tree "
                + "(config, state store and ledger created; the file claimed, mapped, committed with its ledger rows, "
                + "published and archived, with every fsync); the input is hard-linked into the inbox. Baseline: "
                + "`xsltproc -o out mappings/magento-orders-to-sage-orders.xsl in`. Floor: `xmllint --stream --noout in` "
                + "(libxml2 alone stream-parsing the file). Extra column: the library path, `ferry-bench map-native` "
                + "(the mapping in a process of its own: no engine, no ledger, no fsync). The four alternate, medians "
                + "of \(repeats); wall time measured by the parent, peak RSS is the child's ru_maxrss "
                + "(`/usr/bin/time -f %M`).", "",
            "| orders | input MB | ferry run s | xsltproc s | ferry / xsltproc | ferry orders/s | ferry run peak RSS MB | xsltproc peak RSS MB | xmllint --stream s | ferry run / xmllint | library path s | library peak RSS MB | orders out (ferry / xsltproc) |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        for row in mapping {
            let ferry = median(row.ferrySeconds), xslt = median(row.xsltSeconds), floor = median(row.floorSeconds)
            out.append(
                "| \(row.orders) | \(f(Double(row.inputBytes) / 1_048_576, 0)) | \(f(ferry)) | \(f(xslt)) | \(f(xslt / ferry))x "
                    + "| \(whole(Double(row.orders) / ferry)) | \(mb(row.ferryRSS)) | \(mb(row.xsltRSS)) | \(f(floor)) "
                    + "| \(f(ferry / floor))x | \(f(median(row.librarySeconds))) | \(mb(row.libraryRSS)) "
                    + "| \(row.ferrySent) / \(row.xsltOrders) |")
        }
        if let largest = mapping.last, let smallest = mapping.first {
            let speedUp = median(largest.xsltSeconds) / median(largest.ferrySeconds)
            let smallSpeedUp = median(smallest.xsltSeconds) / median(smallest.ferrySeconds)
            let ferryMax = mapping.map { median($0.ferryRSS.map(Double.init)) }.max() ?? 0
            let ferryGrowth = median(largest.ferryRSS.map(Double.init)) / max(1, median(smallest.ferryRSS.map(Double.init)))
            out.append("")
            out.append("- `ferry run` at least 3x xsltproc at \(largest.orders) orders: \(f(speedUp))x, \(verdict(speedUp >= 3)).")
            out.append(
                "- `ferry run` no slower than xsltproc at \(smallest.orders) orders: \(f(smallSpeedUp))x, \(verdict(smallSpeedUp >= 1)).")
            out.append(
                "- `ferry run` peak RSS under 100 MB and flat: max \(mb(whole(ferryMax))) MB, \(f(ferryGrowth))x from "
                    + "\(smallest.orders) to \(largest.orders) orders, \(verdict(ferryMax < 100 * 1024 && ferryGrowth < 1.5)).")
            out.append(
                "- Distance to the floor at \(largest.orders) orders: `ferry run` takes \(f(median(largest.ferrySeconds) / median(largest.floorSeconds)))x "
                    + "the time libxml2 alone takes to stream-parse the file.")
        }
        out.append("")
        return out
    }

    func burstSection() -> [String] {
        guard !burst.isEmpty else { return [] }
        var out = [
            "## 2. Burst: single-order files renamed into the inbox at once", "",
            "ferry: `ferry watch` (child process) with one `magento-orders-to-sage-orders` stage, which fsyncs every "
                + "output, the journal and the folders; timed from the first rename to the moment every output exists. "
                + "Baseline: `inotifywait -m -e close_write,moved_to --format %f inbox | while read f; do xsltproc -o outbox/$f "
                + "stylesheet inbox/$f; done` (no fsync), timed to its last output; a file is missed when it has no output "
                + "3 s after the loop's last one. Rates are outputs per second (median of the runs): a file the loop lost "
                + "to its inotify queue's overflow is work it never did, so it does not count towards the loop's rate; "
                + "the last column gives the ratio with lost files counted as done. ferry's CPU is `ferry watch`'s user and system time over the same "
                + "span (every thread); busy cores is that CPU over the run's wall time (median of the runs). Floor: the "
                + "same burst through the same durable work with ferry's own mapping, done by one thread with no engine "
                + "(`WorkFloor` in `Sources/ferry-bench`: claim rows and renames, the mapping with its ledger look-ups, "
                + "the syncs, the commit and ledger rows, the renames into the outbox, the archive links, the done rows; "
                + "64 files a batch); its CPU is that thread's, after the renames into its inbox.", "",
            "| filesystem | files | runs | ferry s | ferry files/s | loop s | loop files/s | ferry / loop | missed (ferry / loop, worst run) | ferry CPU per file ms | ferry busy cores | ferry watch VmHWM idle / after burst MB | floor files/s | floor CPU per file ms | ferry CPU / floor CPU | ferry / loop, lost files counted as done |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
        ]
        for row in burst {
            let ferry = median(row.ferrySeconds), loop = median(row.loopSeconds)
            let ferryRate = row.ferryRate, loopRate = row.loopRate
            out.append(
                "| \(row.filesystem) | \(row.files) | \(row.ferrySeconds.count) | \(f(ferry)) | \(whole(ferryRate)) | \(f(loop)) | \(whole(loopRate)) | \(f(ferryRate / loopRate, 1))x "
                    + "| \(row.ferryMissed.max() ?? 0) / \(row.loopMissed.max() ?? 0) "
                    + "| \(f(median(row.ferryCPU) * 1000 / Double(row.files), 2)) | \(f(median(zip(row.ferryCPU, row.ferrySeconds).map { $0 / $1 }), 2)) "
                    + "| \(mb(row.idleHWM)) / \(mb(row.burstHWM)) "
                    + "| \(whole(Double(row.files) / median(row.floorSeconds))) | \(f(median(row.floorCPU) * 1000 / Double(row.files), 2)) "
                    + "| \(f(median(row.ferryCPU) / median(row.floorCPU), 1))x | \(f(ferryRate / row.loopRateCountingMissed, 1))x |")
        }
        var labels: [String] = []
        for row in burst where !labels.contains(row.filesystem) { labels.append(row.filesystem) }
        for label in labels {
            guard let largest = burst.last(where: { $0.filesystem == label }) else { continue }
            let ferryRate = largest.ferryRate
            let ratio = ferryRate / largest.loopRate
            let lostCounted = ferryRate / largest.loopRateCountingMissed
            let missed = largest.ferryMissed.max() ?? 0
            out.append("")
            out.append("On \(label), \(largest.files) files:")
            // Issue 18's burst targets are for one-order files on tmpfs; on the disk the figures are reported only.
            if label == "tmpfs" {
                out.append("- At least 5,000 files/s: \(whole(ferryRate)) files/s, \(verdict(ferryRate >= 5000)).")
                let lost = largest.loopMissed.max() ?? 0
                let aside = lost == 0 ? "" : " (the loop's outputs per second; with the files it lost, \(lost) in the worst run, counted as done: \(f(lostCounted, 1))x)"
                out.append("- At least 30x the loop: \(f(ratio, 1))x\(aside), \(verdict(ratio >= 30)).")
            } else {
                out.append("- \(whole(ferryRate)) files/s, \(f(ratio, 1))x the loop (no target on the disk).")
            }
            let floorCPU = median(largest.floorCPU) * 1000 / Double(largest.files)
            out.append(
                "- The floor: \(whole(Double(largest.files) / median(largest.floorSeconds))) files/s on one thread, "
                    + "\(f(floorCPU, 2)) ms of CPU per file; ferry uses \(f(median(largest.ferryCPU) / median(largest.floorCPU), 1))x "
                    + "its CPU per file. 5,000 files/s would need \(f(5000 * floorCPU / 1000, 2)) cores of the floor's work alone.")
            let zero = "- Zero missed by ferry\(largest.files >= 30_000 ? " at 30,000 files or more" : ""): \(verdict(missed == 0))"
            out.append(zero + "; the loop missed \(largest.loopMissed.max() ?? 0) at worst.")
        }
        out.append("")
        return out
    }

    func latencySection() -> [String] {
        guard !latency.isEmpty else { return [] }
        var out = [
            "## 3. Latency: rename into the inbox -> output in the outbox", "",
            "`ferry watch` as above; files renamed into the inbox at a steady rate (a rename skips the settle time, which "
                + "only applies to files written in place); a thread stats every pending output every 100 us. One run "
                + "per rate (the percentiles are over its files). ferry's CPU per file is `ferry watch`'s user and system "
                + "time from the first drop to the last output, over the files (the idle daemon's timers included). Floor: "
                + "the same files at the same rate through the burst's floor, each alone (claimed, mapped, committed and "
                + "published as a lone file is) right after its rename, timed to its output's rename; no watcher has "
                + "to wake, so it is a lower bound.", "",
            "| filesystem | target rate /s | files | achieved rate /s | p50 ms | p90 ms | p99 ms | max ms | no output within 5 s | ferry CPU per file ms | floor p50 ms | floor p99 ms | floor CPU per file ms |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for row in latency {
            let l = row.latencies
            out.append(
                "| \(row.filesystem) | \(row.rate) | \(row.files) | \(f(row.achievedRate, 1)) | \(f(percentile(l, 50) * 1000, 1)) | \(f(percentile(l, 90) * 1000, 1)) "
                    + "| \(f(percentile(l, 99) * 1000, 1)) | \(f((l.max() ?? 0) * 1000, 1)) | \(row.timedOut) "
                    + "| \(f(row.ferryCPU * 1000 / Double(max(1, row.files)), 2)) "
                    + "| \(f(percentile(row.floorLatencies, 50) * 1000, 1)) | \(f(percentile(row.floorLatencies, 99) * 1000, 1)) "
                    + "| \(f(row.floorCPU * 1000 / Double(max(1, row.files)), 2)) |")
        }
        for row in latency where row.rate == 20 {
            let p99 = percentile(row.latencies, 99) * 1000
            out.append("")
            // An earlier issue's target, kept as a floor: issue 18's is the lone file's below.
            out.append("- p99 at most 20 ms at \(row.rate) files/s on \(row.filesystem) (an earlier issue's target): \(f(p99, 1)) ms, \(verdict(p99 <= 20 && row.timedOut == 0)).")
        }
        for row in latency where row.rate == 5 {
            // The issue's target for a lone file: within 2x of what the disk itself takes for one durable hand-over.
            // Each filesystem is compared with its own probe; on tmpfs, where a sync costs nothing, the line shows
            // what the engine alone costs against a bare rename (the issue's target is the disk's line).
            let p99 = percentile(row.latencies, 99) * 1000
            if let probe = fsyncProbe.first(where: { $0.0 == row.filesystem }) {
                out.append(
                    "- p99 at 5 files/s on \(row.filesystem) within 2x of that filesystem's own write+fsync+rename+fsync p99 "
                        + "(\(f(probe.2 * 1000, 1)) ms): \(f(p99, 1)) ms = \(f(p99 / max(0.001, probe.2 * 1000)))x, "
                        + "\(verdict(p99 <= 2 * probe.2 * 1000 && row.timedOut == 0)). The floor's p99 at the same rate: "
                        + "\(f(percentile(row.floorLatencies, 99) * 1000, 1)) ms = "
                        + "\(f(percentile(row.floorLatencies, 99) * 1000 / max(0.001, probe.2 * 1000)))x.")
            }
            if let spaced = fsyncProbeAtFive.first(where: { $0.0 == row.filesystem }) {
                // Reported beside the target's own figure, not instead of it.
                out.append(
                    "  Against the same probe at 5 per second (\(f(spaced.1 * 1000, 1)) ms, each hand-over meeting an idle "
                        + "filesystem, as a lone file does): ferry \(f(p99 / max(0.001, spaced.1 * 1000)))x, the floor "
                        + "\(f(percentile(row.floorLatencies, 99) * 1000 / max(0.001, spaced.1 * 1000)))x.")
            }
        }
        if !loneFiles.isEmpty {
            out.append("")
            out.append(
                "fsync-family calls per lone file, end to end: `ferry watch` under `strace -c -w -f` (fsync, fdatasync, "
                    + "syncfs, sync_file_range, msync) with files dropped one at a time at 5/s, less the same daemon "
                    + "started, given only its first file and stopped; the difference over the files. The time is the "
                    + "wall clock inside those calls per file (strace's own stops add a little): what a lone file waits "
                    + "for the disk, which less CPU work in the engine does not shorten.")
            out.append("")
            out.append("| filesystem | files | calls per file | by call | ms in them per file | by call |")
            out.append("| --- | ---: | ---: | --- | ---: | --- |")
            for row in loneFiles {
                let detail = row.byCall.sorted { $0.key < $1.key }.map { "\($0.key) \(f($0.value, 2))" }.joined(separator: ", ")
                let time = row.millisecondsByCall.sorted { $0.key < $1.key }.map { "\($0.key) \(f($0.value, 2))" }
                    .joined(separator: ", ")
                let total = row.millisecondsByCall.values.reduce(0, +)
                out.append("| \(row.filesystem) | \(row.files) | \(f(row.callsPerFile, 2)) | \(detail) | \(f(total, 2)) | \(time) |")
            }
            for row in loneFiles {
                out.append("")
                out.append(
                    "- At most 3 fsync-family calls per lone file on \(row.filesystem): \(f(row.callsPerFile, 2)), "
                        + "\(verdict(row.callsPerFile <= 3)).")
            }
        }
        out.append("")
        out.append("(Camel polls every 500 ms by default; Zynk's schedule is 15 minutes.)")
        out.append("")
        return out
    }

    func magentoSection() -> [String] {
        var out: [String] = []
        if !downloadRuns.isEmpty || !download.isEmpty {
            out += ["## 4. Magento on loopback", "", "### Order download", ""]
        }
        if !downloadRuns.isEmpty {
            out += [
                "`ferry download --config ws/config.json` (a whole process on a fresh folder tree: every page, the order "
                    + "files of 500, the commit with the emitted-order ledger and the watermark, every fsync) against "
                    + "`ferry sandbox --orders N` (its own process on 127.0.0.1); baseline: a curl loop paging the same API "
                    + "(pages of 100 by entity_id, one `curl` per page) and saving the raw JSON. Alternated, medians of "
                    + "\(repeats); ferry's peak RSS is its ru_maxrss (`/usr/bin/time -f %M`).", "",
                "| orders | ferry download s | ferry orders/s | ferry peak RSS MB | curl loop s | curl orders/s | ferry / curl (orders/s) | orders downloaded | raw JSON MB |",
                "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            ]
            for row in downloadRuns {
                let ferry = median(row.ferrySeconds), curl = median(row.curlSeconds)
                out.append(
                    "| \(row.orders) | \(f(ferry)) | \(whole(Double(row.orders) / ferry)) | \(mb(row.ferryRSS)) | \(f(curl)) "
                        + "| \(whole(Double(row.orders) / curl)) | \(f(curl / ferry))x | \(row.downloaded) "
                        + "| \(f(Double(row.curlBytes) / 1_048_576, 0)) |")
            }
            if let largest = downloadRuns.last {
                let peak = downloadRuns.map { median($0.ferryRSS.map(Double.init)) }.max() ?? 0
                let ratio = median(largest.curlSeconds) / median(largest.ferrySeconds)
                out.append("")
                out.append(
                    "- `ferry download` peak RSS under 100 MB: max \(mb(whole(peak))) MB, \(verdict(peak < 100 * 1024)).")
                out.append(
                    "- `ferry download` at least the curl loop's orders/s at \(largest.orders): \(f(ratio))x, \(verdict(ratio >= 1)).")
            }
            out.append("")
        }
        if !download.isEmpty {
            out += [
                "Library path (extra): `OrderDownloader.fetch` (keyset paging, default page size 100) + "
                    + "`OrderXMLWriter.write` + the ledger commit, in ferry-bench's process, against `MagentoSandboxServer` "
                    + "in the same process.", "",
                "| orders | s | orders/s | requests |", "| ---: | ---: | ---: | ---: |",
            ]
            for row in download {
                let s = median(row.seconds)
                out.append("| \(row.fetched) | \(f(s)) | \(whole(Double(row.fetched) / s)) | \(row.requests) |")
            }
            out.append("")
        }
        if !inventory.isEmpty {
            out += [
                "### Inventory sync, 1 % of levels changed", "",
                "The state a previous sync leaves (the last level per SKU) is seeded; then every level is offered and "
                    + "ferry sends only the changed ones. MSI: existence look-ups (100 SKUs each) + `POST "
                    + "/V1/inventory/source-items` in chunks of 20; legacy: one `PUT stockItems` per changed SKU "
                    + "(4 in flight). Baseline: a per-SKU `PUT` of every level (`sendAll`). Requests counted from the "
                    + "sandbox's request log.", "",
                "| SKUs | changed | ferry MSI requests | ferry MSI s | ferry legacy requests | ferry legacy s | per-SKU all requests | per-SKU all s |",
                "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            ]
            for row in inventory {
                out.append(
                    "| \(row.skus) | \(row.changed) | \(row.msiRequests) | \(f(median(row.msiSeconds))) | \(row.legacyRequests) "
                        + "| \(f(median(row.legacySeconds))) | \(row.everythingRequests) | \(f(median(row.everythingSeconds))) |")
            }
            if let largest = inventory.last {
                let bound = (largest.changed + 19) / 20 + (largest.changed + 99) / 100
                out.append("")
                out.append(
                    "- MSI requests at most ceil(changed / 20) + existence look-ups = \(bound): \(largest.msiRequests), "
                        + "\(verdict(largest.msiRequests <= bound)), against \(largest.everythingRequests) for the per-SKU upload of everything.")
            }
            out.append("")
        }
        return out
    }

    func scaleSection() -> [String] {
        var out = ["## 5. Scale: 1x -> 10x the work", "", "| case | 1x | 10x | time ratio (10 = linear) |", "| --- | --- | --- | ---: |"]
        func line(_ name: String, _ small: (Int, Double)?, _ large: (Int, Double)?, unit: String) {
            guard let small, let large, small.1 > 0 else { return }
            out.append("| \(name) | \(small.0) \(unit): \(f(small.1)) s | \(large.0) \(unit): \(f(large.1)) s | \(f(large.1 / small.1, 1)) |")
        }
        if let b = mapping.last, let a = mapping.last(where: { $0.orders * 10 == b.orders }) {
            line("mapping, ferry run", (a.orders, median(a.ferrySeconds)), (b.orders, median(b.ferrySeconds)), unit: "orders")
            line("mapping, xsltproc", (a.orders, median(a.xsltSeconds)), (b.orders, median(b.xsltSeconds)), unit: "orders")
        }
        let firstFS = burst.first?.filesystem
        let scaled = burst.filter { $0.filesystem == firstFS }
        if let a = scaled.first, let b = scaled.last, a.files * 10 == b.files {
            line("burst on \(a.filesystem), ferry", (a.files, median(a.ferrySeconds)), (b.files, median(b.ferrySeconds)), unit: "files")
            line("burst on \(a.filesystem), loop", (a.files, median(a.loopSeconds)), (b.files, median(b.loopSeconds)), unit: "files")
        }
        if let b = downloadRuns.last, let a = downloadRuns.last(where: { $0.orders * 10 == b.orders }) {
            line("ferry download", (a.orders, median(a.ferrySeconds)), (b.orders, median(b.ferrySeconds)), unit: "orders")
            line("curl loop", (a.orders, median(a.curlSeconds)), (b.orders, median(b.curlSeconds)), unit: "orders")
        }
        if let a = download.first, let b = download.last, a.orders * 10 == b.orders {
            line("download, library path", (a.orders, median(a.seconds)), (b.orders, median(b.seconds)), unit: "orders")
        }
        if let a = inventory.first, let b = inventory.last, a.skus * 10 == b.skus {
            line("inventory, ferry MSI", (a.skus, median(a.msiSeconds)), (b.skus, median(b.msiSeconds)), unit: "SKUs")
            line("inventory, ferry legacy", (a.skus, median(a.legacySeconds)), (b.skus, median(b.legacySeconds)), unit: "SKUs")
            line("inventory, per-SKU all", (a.skus, median(a.everythingSeconds)), (b.skus, median(b.everythingSeconds)), unit: "SKUs")
        }
        let firstLatencyFS = latency.first?.filesystem
        let sameFS = latency.filter { $0.filesystem == firstLatencyFS }
        if sameFS.count >= 2 {
            let a = sameFS[0], b = sameFS[sameFS.count - 1]
            out.append(
                "| latency p99 on \(a.filesystem) | \(a.rate) files/s: \(f(percentile(a.latencies, 99) * 1000, 1)) ms | \(b.rate) files/s: "
                    + "\(f(percentile(b.latencies, 99) * 1000, 1)) ms | (latency, not time) |")
        }
        for largest in burst {
            out.append("")
            out.append(
                "Peak memory on \(largest.filesystem) of `ferry watch` (VmHWM): \(mb(largest.idleHWM)) MB idle (after start-up and one file), "
                    + "\(mb(largest.burstHWM)) MB after a burst of \(largest.files) files.")
        }
        out.append("")
        return out
    }

    var summary: String {
        markdown(keeping: "").components(separatedBy: "\n").filter { $0.hasPrefix("- ") || $0.hasPrefix("|") }.joined(separator: "\n")
    }
}
