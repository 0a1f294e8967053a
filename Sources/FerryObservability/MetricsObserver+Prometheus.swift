import Foundation

extension MetricsObserver {
    /// The Prometheus text exposition format (version 0.0.4): HELP and TYPE once per family, sorted series.
    static func render(_ figures: Figures) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples { out += "\(name)\(sample.labels) \(sample.value)\n" }
        }
        func perStage(_ values: [String: Int]) -> [(labels: String, value: String)] {
            values.sorted { $0.key < $1.key }.map { (labels(["stage": $0.key]), "\($0.value)") }
        }

        family("ferry_files_processed_total", "counter", "Files processed and archived, per stage.", perStage(figures.processed))
        family("ferry_files_failed_total", "counter", "Files quarantined in failed/<stage>/, per stage.", perStage(figures.failed))
        family(
            "ferry_file_processing_seconds_total", "counter", "Seconds spent processing files, per stage.",
            figures.processingSeconds.sorted { $0.key < $1.key }.map { (labels(["stage": $0.key]), number($0.value)) })
        family(
            "ferry_task_events_total", "counter",
            "Counters reported by the tasks (orders.downloaded, orders.mapped, orders.failed, orders.sage-failed, skus.uploaded, ...).",
            figures.events.sorted { $0.key < $1.key }.map { (labels(["stage": $0.key.stage, "name": $0.key.name]), "\($0.value)") })
        family(
            "ferry_last_success_timestamp_seconds", "gauge", "Unix time of the last file processed or scheduled run succeeded, per stage.",
            figures.lastSuccess.sorted { $0.key < $1.key }.map { (labels(["stage": $0.key]), number($0.value)) })
        family("ferry_queue_waiting_files", "gauge", "Files waiting in a stage's folder.", perStage(figures.waiting))
        family("ferry_queue_claimed_files", "gauge", "Files claimed by a stage and not yet finished (including retries).", perStage(figures.claimed))
        family("ferry_transient_failures_total", "counter", "Transient failures that will be retried, per stage.", perStage(figures.transient))
        family(
            "ferry_scheduled_runs_total", "counter", "Scheduled runs (the Magento download), per stage and outcome.",
            figures.runs.sorted { $0.key < $1.key }.map { (labels(["stage": $0.key.stage, "outcome": $0.key.name]), "\($0.value)") })

        var histogram: [(labels: String, value: String)] = []
        for method in figures.magentoBuckets.keys.sorted() {
            let buckets = figures.magentoBuckets[method] ?? []
            for (index, bound) in MagentoRequestFigures.latencyBuckets.enumerated() {
                histogram.append((labels(["method": method, "le": number(bound)]), "\(buckets[index])"))
            }
            histogram.append((labels(["method": method, "le": "+Inf"]), "\(figures.magentoCount[method] ?? 0)"))
        }
        out += "# HELP ferry_magento_request_duration_seconds Magento REST request attempts by duration.\n"
        out += "# TYPE ferry_magento_request_duration_seconds histogram\n"
        for sample in histogram { out += "ferry_magento_request_duration_seconds_bucket\(sample.labels) \(sample.value)\n" }
        for method in figures.magentoBuckets.keys.sorted() {
            out += "ferry_magento_request_duration_seconds_sum\(labels(["method": method])) \(number(figures.magentoSum[method] ?? 0))\n"
            out += "ferry_magento_request_duration_seconds_count\(labels(["method": method])) \(figures.magentoCount[method] ?? 0)\n"
        }
        family(
            "ferry_magento_request_errors_total", "counter", "Magento REST attempts that failed (non-2xx or no answer).",
            figures.magentoErrors.sorted { $0.key < $1.key }.map { (labels(["method": $0.key]), "\($0.value)") })
        family(
            "ferry_magento_request_retries_total", "counter", "Magento REST attempts that were retried.",
            figures.magentoRetries.sorted { $0.key < $1.key }.map { (labels(["method": $0.key]), "\($0.value)") })
        family("ferry_start_timestamp_seconds", "gauge", "Unix time the counters started (ferry's start).", [("", number(figures.started))])
        return out
    }

    /// `{a="x",b="y"}` with label values escaped as the format requires (backslash, quote, newline).
    static func labels(_ pairs: KeyValuePairs<String, String>) -> String {
        let body = pairs.map { key, value in
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n")
            return "\(key)=\"\(escaped)\""
        }
        return "{" + body.joined(separator: ",") + "}"
    }

    /// A float in Go's notation (Prometheus parses it); whole numbers without a fraction.
    static func number(_ value: Double) -> String {
        if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    /// One sample of a text file: the family's name, its labels, its value.
    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    /// The samples of a text file written by ``render(_:)`` (no file, or lines it cannot read: none).
    static func samples(in file: URL) -> [Sample] {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line -> Sample? in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { return nil }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{"), series.hasSuffix("}") else { return Sample(name: String(series), labels: [:], value: value) }
            var labels: [String: String] = [:]
            var rest = series[series.index(after: brace)..<series.index(before: series.endIndex)]
            while let equals = rest.firstIndex(of: "="), rest[rest.index(after: equals)...].first == "\"" {
                let key = String(rest[..<equals]).trimmingCharacters(in: CharacterSet(charactersIn: ","))
                var index = rest.index(equals, offsetBy: 2)
                var value = ""
                while index < rest.endIndex, rest[index] != "\"" {
                    if rest[index] == "\\", rest.index(after: index) < rest.endIndex {
                        index = rest.index(after: index)
                        value.append(rest[index] == "n" ? "\n" : rest[index])
                    } else {
                        value.append(rest[index])
                    }
                    index = rest.index(after: index)
                }
                labels[key] = value
                rest = index < rest.endIndex ? rest[rest.index(after: index)...] : rest[rest.endIndex...]
            }
            return Sample(name: String(series[..<brace]), labels: labels, value: value)
        }
    }

    /// Puts the per-stage samples of the stages `include` accepts into `figures` (the other families are this
    /// process's own).
    static func apply(_ samples: [Sample], to figures: inout Figures, include: (String) -> Bool) {
        for sample in samples {
            guard let stage = sample.labels["stage"], include(stage) else { continue }
            let whole = Int(sample.value)
            switch sample.name {
            case "ferry_files_processed_total": figures.processed[stage] = whole
            case "ferry_files_failed_total": figures.failed[stage] = whole
            case "ferry_file_processing_seconds_total": figures.processingSeconds[stage] = sample.value
            case "ferry_task_events_total":
                if let name = sample.labels["name"] { figures.events[LabelPair(stage: stage, name: name)] = whole }
            case "ferry_last_success_timestamp_seconds": figures.lastSuccess[stage] = sample.value
            case "ferry_queue_waiting_files": figures.waiting[stage] = whole
            case "ferry_queue_claimed_files": figures.claimed[stage] = whole
            case "ferry_transient_failures_total": figures.transient[stage] = whole
            case "ferry_scheduled_runs_total":
                if let outcome = sample.labels["outcome"] { figures.runs[LabelPair(stage: stage, name: outcome)] = whole }
            default: break
            }
        }
    }
}
