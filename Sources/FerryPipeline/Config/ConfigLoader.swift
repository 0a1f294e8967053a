import FerryValues
import FileWatching
public import Foundation
import Logging
public import FerryState

/// One thing wrong with config.json: where, what, and how to fix it.
public struct ConfigProblem: Sendable, CustomStringConvertible, Equatable {
    /// The JSON path, e.g. `stages[1].watch`.
    public let path: String
    /// What is wrong and what to do.
    public let message: String
    /// A warning does not make the config invalid (a literal secret, say).
    public let isWarning: Bool

    /// Creates a problem.
    public init(_ path: String, _ message: String, warning: Bool = false) {
        self.path = path
        self.message = message
        self.isWarning = warning
    }

    public var description: String { "\(isWarning ? "warning" : "error"): \(path): \(message)" }
}

/// config.json has errors; ``problems`` lists all of them.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    /// The config file.
    public let file: String
    /// Every problem found, errors and warnings.
    public let problems: [ConfigProblem]

    /// Creates the error (also for the sections read outside the engine, such as `console`).
    public init(file: String, problems: [ConfigProblem]) {
        self.file = file
        self.problems = problems
    }

    public var description: String {
        "\(file) is not valid:\n" + problems.map { "  \($0)" }.joined(separator: "\n")
    }
}

/// Reads and validates config.json.
public enum ConfigLoader {
    /// Every key the engine reads, by section (`""` is the top level, `folders.*` each folder's entry);
    /// docs/configuration.md documents exactly these (a test keeps the two in step).
    public static let schema: [String: Set<String>] = [
        "": [
            "root", "stateStore", "logLevel", "settleMilliseconds", "rescanSeconds", "archive", "failedFolder", "failed", "retry",
            "folders", "connections", "stages", "alerts", "metrics", "$comment", "$schema",
            "console",
            "sageSim",
        ],
        "archive": ["folder", "retentionDays", "zipAfterDays"],
        "failed": ["retentionDays"],
        "retry": ["initialSeconds", "maxSeconds", "maxAttempts"],
        "folders.*": ["mode", "intervalMilliseconds"],
        "stages[]": ["name", "task", "watch", "everySeconds", "settings", "outputs", "$comment"],
    ]
    private static var topKeys: Set<String> { schema[""]! }

    /// Loads `file`, returning the config and its warnings.
    /// - Throws: ``ConfigError`` with every problem when there is at least one error.
    public static func load(file: URL, registry: TaskRegistry, checkFolders: Bool = true) throws -> (FerryConfig, [ConfigProblem]) {
        var problems: [ConfigProblem] = []
        let value: JSONValue
        do {
            let data = try Data(contentsOf: file)
            do {
                value = try JSONValue.parse(data)
            } catch {
                // The line and column an editor jumps to, and what was expected there.
                throw ConfigError(file: file.path, problems: [ConfigProblem("$", "not valid JSON: " + error.location)])
            }
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError(file: file.path, problems: [ConfigProblem("$", "cannot read the file: \(error.localizedDescription)")])
        }
        guard case .object(let top) = value else {
            throw ConfigError(file: file.path, problems: [ConfigProblem("$", "must be a JSON object")])
        }
        var reader = ConfigReader()
        reader.rejectUnknown(top, allowed: topKeys, at: "")

        let configFolder = file.deletingLastPathComponent().standardizedFileURL
        let root = reader.string(top, "root", at: "").map { resolve($0, against: configFolder) } ?? configFolder
        let stateStore = resolve(reader.string(top, "stateStore", at: "") ?? "state/ferry.sqlite", against: root)
        let levelName = reader.string(top, "logLevel", at: "") ?? "info"
        let logLevel = Logger.Level(rawValue: levelName) ?? {
            reader.problem("logLevel", "unknown level '\(levelName)': use one of trace, debug, info, notice, warning, error, critical")
            return .info
        }()
        let settle = reader.int(top, "settleMilliseconds", at: "", range: 0...600_000) ?? 200
        let rescan = reader.int(top, "rescanSeconds", at: "", range: 1...86_400) ?? 60

        var archiveFolder = root.appendingPathComponent("archive")
        var retention: Int?
        var zipAfter: Int?
        if let archive = reader.object(top, "archive", at: "") {
            reader.rejectUnknown(archive, allowed: schema["archive"]!, at: "archive")
            if let folder = reader.string(archive, "folder", at: "archive") { archiveFolder = resolve(folder, against: root) }
            retention = reader.int(archive, "retentionDays", at: "archive", range: 1...36_500)
            zipAfter = reader.int(archive, "zipAfterDays", at: "archive", range: 1...36_500)
            if let zipAfter, let retention, zipAfter >= retention {
                problems.append(ConfigProblem(
                    "archive.zipAfterDays", "is \(zipAfter), not less than retentionDays (\(retention)): days are deleted before they are zipped; lower it or remove it",
                    warning: true))
            }
        }
        let failedFolder = resolve(reader.string(top, "failedFolder", at: "") ?? "failed", against: root)
        var failedRetention: Int?
        if let failed = reader.object(top, "failed", at: "") {
            reader.rejectUnknown(failed, allowed: schema["failed"]!, at: "failed")
            failedRetention = reader.int(failed, "retentionDays", at: "failed", range: 1...36_500)
        }

        var retry = RetryPolicy.files
        if let object = reader.object(top, "retry", at: "") {
            reader.rejectUnknown(object, allowed: schema["retry"]!, at: "retry")
            if let value = reader.int(object, "initialSeconds", at: "retry", range: 1...3600) { retry.initial = .seconds(value) }
            if let value = reader.int(object, "maxSeconds", at: "retry", range: 1...86_400) { retry.maximum = .seconds(value) }
            if let value = reader.int(object, "maxAttempts", at: "retry", range: 1...1000) { retry.maxAttempts = value }
        }

        var modes: [URL: WatchMode] = [:]
        if let folders = reader.object(top, "folders", at: "") {
            for (name, entry) in folders.sorted(by: { $0.key < $1.key }) {
                let path = "folders.\(name)"
                guard case .object(let object) = entry else { reader.problem(path, "must be an object like {\"mode\": \"poll\", \"intervalMilliseconds\": 2000}"); continue }
                reader.rejectUnknown(object, allowed: schema["folders.*"]!, at: path)
                let url = resolve(name, against: root).standardizedFileURL
                switch reader.string(object, "mode", at: path) ?? "inotify" {
                case "inotify": modes[url] = .inotify
                case "poll": modes[url] = .poll(intervalMilliseconds: reader.int(object, "intervalMilliseconds", at: path, range: 50...3_600_000) ?? 2_000)
                case let other: reader.problem("\(path).mode", "unknown mode '\(other)': use \"inotify\" (local disks) or \"poll\" (network shares)")
                }
            }
        }

        var connections: [String: JSONValue] = [:]
        if let object = reader.object(top, "connections", at: "") { connections = object }
        // Sections read by the observers (alerts, metrics), the console and `ferry sage-sim`; they validate their own keys.
        var sections: [String: JSONValue] = [:]
        for key in ["alerts", "metrics", "console", "sageSim"] {
            if let object = reader.object(top, key, at: "") { sections[key] = .object(object) }
        }

        var stages: [StageConfig] = []
        if case .array(let list)? = top["stages"] {
            for (index, entry) in list.enumerated() {
                if let stage = reader.stage(entry, index: index, root: root, registry: registry) { stages.append(stage) }
            }
        } else if top["stages"] != nil {
            reader.problem("stages", "must be an array of stage objects")
        } else {
            reader.problem("stages", "is missing: add at least one stage, e.g. {\"name\": \"map\", \"watch\": \"inbox/in\", \"task\": \"xslt\", ...}")
        }
        problems += reader.problems
        problems += checkStages(stages, checkFolders: checkFolders)
        problems += checkOutputKinds(stages, registry: registry)
        problems += checkSecrets(connections: connections, stages: stages, file: file)

        var config = FerryConfig(
            file: file, root: root, stateStore: stateStore, logLevel: logLevel, settle: .milliseconds(settle),
            rescanInterval: .seconds(rescan), archiveFolder: archiveFolder, archiveRetentionDays: retention,
            failedFolder: failedFolder, retry: retry, folderModes: modes, connections: connections, sections: sections,
            stages: stages)
        config.archiveZipAfterDays = zipAfter
        config.failedRetentionDays = failedRetention
        if problems.contains(where: { !$0.isWarning }) {
            throw ConfigError(file: file.path, problems: problems)
        }
        return (config, problems)
    }

    /// Two stages on one folder, cycles, missing folders.
    static func checkStages(_ stages: [StageConfig], checkFolders: Bool) -> [ConfigProblem] {
        var problems: [ConfigProblem] = []
        var names: [String: String] = [:]
        var watchers: [URL: String] = [:]
        for stage in stages {
            if let other = names[stage.name] {
                problems.append(ConfigProblem("\(stage.path).name", "'\(stage.name)' is already the name of \(other): stage names must be unique"))
            }
            names[stage.name] = stage.path
            if let watch = stage.watch?.standardizedFileURL {
                if let other = watchers[watch] {
                    problems.append(ConfigProblem("\(stage.path).watch", "\(watch.path) is already watched by \(other): one folder feeds one stage; give this stage its own folder"))
                } else {
                    // The first watcher keeps the folder, so a cycle through it is still found.
                    watchers[watch] = stage.name
                }
            }
        }
        // A cycle: following outputs into the folders other stages watch comes back to the start.
        var next: [String: [String]] = [:]
        for stage in stages {
            next[stage.name] = stage.outputs.values.compactMap { watchers[$0.standardizedFileURL] }
        }
        var reported = Set<String>()
        for stage in stages {
            var stack = [(stage.name, [stage.name])]
            var seen = Set<String>()
            while let (current, trail) = stack.popLast() {
                for target in next[current] ?? [] {
                    if target == stage.name, !reported.contains(stage.name) {
                        reported.formUnion(trail)
                        problems.append(ConfigProblem("\(stage.path).outputs", "the stages form a cycle (\((trail + [target]).joined(separator: " -> "))): a file would go round for ever; send one of the outputs elsewhere"))
                    } else if seen.insert(target).inserted {
                        stack.append((target, trail + [target]))
                    }
                }
            }
        }
        if checkFolders {
            for stage in stages {
                let folders = (stage.watch.map { [("watch", $0)] } ?? []) + stage.outputs.sorted { $0.key < $1.key }.map { ("outputs.\($0.key)", $0.value) }
                for (key, folder) in folders {
                    var isDirectory: ObjCBool = false
                    if !FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) || !isDirectory.boolValue {
                        problems.append(ConfigProblem("\(stage.path).\(key)", "the folder \(folder.path) does not exist: create it (mkdir -p \(folder.path)) or fix the path"))
                    }
                }
            }
        }
        return problems
    }

    /// Warns about literal secrets in a file others can read.
    static func checkSecrets(connections: [String: JSONValue], stages: [StageConfig], file: URL) -> [ConfigProblem] {
        let secretKeys: Set<String> = ["token", "accessToken", "accessTokenSecret", "consumerSecret", "password", "secret"]
        var found: [String] = []
        func walk(_ value: JSONValue, _ path: String) {
            switch value {
            case .object(let object):
                for (key, child) in object {
                    if secretKeys.contains(key), case .string(let text) = child, SecretReference(text).isLiteral, !text.isEmpty {
                        found.append("\(path).\(key)")
                    }
                    walk(child, "\(path).\(key)")
                }
            case .array(let list): for (i, child) in list.enumerated() { walk(child, "\(path)[\(i)]") }
            default: break
            }
        }
        for (name, value) in connections { walk(value, "connections.\(name)") }
        for stage in stages { walk(stage.settings, "\(stage.path).settings") }
        let mode = (try? FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int) ?? 0
        let worldReadable = mode & 0o004 != 0
        return found.map {
            ConfigProblem($0, "holds a literal secret\(worldReadable ? " in a world-readable file" : ""): use \"${ENV_NAME}\", \"credential:NAME\" or \"file:/path\" instead", warning: true)
        }
    }

    /// A path from config.json: absolute as it is, relative under `base` (the folder root).
    public static func resolve(_ path: String, against base: URL) -> URL {
        (path.hasPrefix("/") ? URL(fileURLWithPath: path) : base.appendingPathComponent(path)).standardizedFileURL
    }
}

extension ConfigReader {
    /// One entry of `stages`, or nil (its problems recorded) when it cannot be a stage.
    fileprivate mutating func stage(_ value: JSONValue, index: Int, root: URL, registry: TaskRegistry) -> StageConfig? {
        let path = "stages[\(index)]"
        guard case .object(let object) = value else { problem(path, "should be an object, found \(value.typeName)"); return nil }
        rejectUnknown(object, allowed: ConfigLoader.schema["stages[]"]!, at: path)
        guard let name = string(object, "name", at: path), !name.isEmpty else {
            problem("\(path).name", "is required: a short unique name such as \"map-orders\"")
            return nil
        }
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
            problem("\(path).name", "'\(name)' may hold only letters, digits, '-', '_' and '.': it names folders")
            return nil
        }
        guard let taskName = string(object, "task", at: path) else {
            problem("\(path).task", "is required: one of \(registry.kinds.keys.sorted().joined(separator: ", "))")
            return nil
        }
        guard let kind = registry.kinds[taskName] else {
            problem("\(path).task", "unknown task '\(taskName)': use one of \(registry.kinds.keys.sorted().joined(separator: ", "))")
            return nil
        }
        let watch = string(object, "watch", at: path).map { ConfigLoader.resolve($0, against: root) }
        let every = int(object, "everySeconds", at: path, range: 1...604_800).map { Duration.seconds($0) }
        if let pairing = kind.pairingProblem(stage: name, watchesAFolder: watch != nil) {
            problem("\(path).watch", pairing)
        } else if kind.trigger == .file, every != nil {
            problem("\(path).everySeconds", "stage '\(name)': task '\(taskName)' runs on files, not on a schedule: remove everySeconds")
        }
        var outputs: [String: URL] = [:]
        if let object = self.object(object, "outputs", at: path) {
            for (output, folder) in object.sorted(by: { $0.key < $1.key }) {
                guard case .string(let folder) = folder else { problem("\(path).outputs.\(output)", "should be a folder path string"); continue }
                outputs[output] = ConfigLoader.resolve(folder, against: root)
            }
        }
        let settings = object["settings"] ?? .object([:])
        if case .object(let settingsObject) = settings {
            rejectUnknown(settingsObject, allowed: kind.settingsKeys.union(["$comment"]), at: "\(path).settings")
        } else {
            problem("\(path).settings", "should be an object, found \(settings.typeName)")
        }
        return StageConfig(name: name, task: taskName, watch: watch, every: every, settings: settings, outputs: outputs, path: path)
    }
}
