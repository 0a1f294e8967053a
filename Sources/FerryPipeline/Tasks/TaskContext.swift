import DurableFiles
public import Foundation
import Synchronization
public import Logging
public import GRDB

/// The claimed input file of a file-triggered task.
public struct TaskInput: Sendable {
    /// Where the claimed file is now (inside the stage's work area). Read it; never move or delete it.
    public let url: URL
    /// The name the file arrived under; derive output names from it so a re-run replaces, never duplicates.
    public let name: String

    /// Creates an input (the engine does this; tests may too).
    public init(url: URL, name: String) {
        self.url = url
        self.name = name
    }

    /// The name without its extension: `orders-17.xml` -> `orders-17`, as `NSString.deletingPathExtension` gives it.
    public var baseName: String {
        // The common `stem.ext` (an ASCII letters-and-digits extension after a stem that neither starts nor ends
        // with a dot) is cut on its bytes: bridging to `NSString` was about 1 % of a burst's instructions (#18).
        // Anything else takes Foundation's rules.
        let bytes = name.utf8
        guard let first = bytes.first, first != UInt8(ascii: "."), !bytes.contains(UInt8(ascii: "/")),
            let dot = bytes.lastIndex(of: UInt8(ascii: "."))
        else { return (name as NSString).deletingPathExtension }
        let isPlain = bytes[bytes.index(after: dot)...].allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x61...0x7A).contains(byte | 0x20)
        }
        guard isPlain, bytes.index(after: dot) != bytes.endIndex, bytes[bytes.index(before: dot)] != UInt8(ascii: ".")
        else { return (name as NSString).deletingPathExtension }
        return String(name[..<dot])
    }
}

/// One output file the task fills: it writes to ``url``, a temporary name in the target folder that the
/// watchers ignore; the engine fsyncs and renames it to ``name`` after the task returns, then fsyncs the folder.
public struct PendingOutput: Sendable {
    /// The output as the stage's config names it (`out`, `fail`, `success`).
    public let output: String
    /// The final file name in the target folder.
    public let name: String
    /// Where to write now.
    public let url: URL
    /// The target folder.
    public let folder: URL
    /// `url.path` and `folder.path`, kept as built: `URL.path` decodes the URL on every call, and the commit needs
    /// both for every file of a burst (#18).
    let path: String
    let folderPath: String
}

/// Hands a running task its outputs and a place to report what it did (a file task gets its input beside it).
///
/// Thread-safe: a task may create outputs from several child tasks.
public final class TaskContext: Sendable {
    /// The task's environment.
    public let environment: TaskEnvironment
    /// Logger with `ferry.stage` and, for a file, `ferry.file`.
    public let logger: Logger

    private let outputFolders: [String: URL]
    private let runID: String
    private let state: LockedState
    private let observers: [any PipelineObserver]

    /// Creates a context (the engine does this; tests may too).
    ///
    /// - Parameters:
    ///   - outputFolders: the stage's outputs by name (`out` -> `/srv/ferry/outbox/sage-orders`).
    ///   - runID: unique per run, part of the temporary names so two runs never share one.
    ///   - observers: told of ``progress(_:done:total:)``.
    public init(
        environment: TaskEnvironment, logger: Logger, outputFolders: [String: URL],
        runID: String, observers: [any PipelineObserver] = []
    ) {
        self.observers = observers
        self.environment = environment
        self.logger = logger
        self.outputFolders = outputFolders
        self.runID = runID
        self.state = LockedState()
    }

    /// The output names the stage's config declares.
    public var outputNames: [String] { outputFolders.keys.sorted() }

    /// True when the stage's config declares this output (a task may skip an optional fail file).
    public func hasOutput(_ output: String) -> Bool { outputFolders[output] != nil }

    /// Reserves an output file: write it at the returned ``PendingOutput/url``.
    ///
    /// - Parameters:
    ///   - output: the output's name in the stage config (`out`, `fail`, ...).
    ///   - name: the final file name; deterministic from the input, so a re-run after a crash replaces it.
    /// - Throws: ``TaskError/badInput(_:)`` never; a configuration error when the stage declares no such output.
    public func createOutput(_ output: String, name: String) throws -> PendingOutput {
        let folder = try folder(of: output)
        // On the bytes: `String.contains` of a string goes through Foundation's `range(of:)`.
        guard !name.isEmpty, !name.utf8.contains(UInt8(ascii: "/")), !name.hasPrefix(".") else {
            throw PipelineError(.internal, "output name '\(name)' is not a plain file name")
        }
        // The output's name and `.ferry-<run>-<name>.tmp` must fit the folder's filesystem even when the delivered
        // name took all of it: `<239 bytes>-sage-orders.xml` failed to publish for ever (issue 13.3).
        let folderPath = folder.path
        let limit = Durable.nameLimit(of: folderPath)
        let name = Durable.fitting(name, reserve: 0, limit: limit)
        let tempName = ".ferry-\(runID)-\(Durable.fitting(name, reserve: runID.utf8.count + 12, limit: limit)).tmp"
        let tempPath = folderPath + "/" + tempName
        let temp = URL(filePath: tempPath, directoryHint: .notDirectory)
        let pending = PendingOutput(output: output, name: name, url: temp, folder: folder, path: tempPath, folderPath: folderPath)
        state.append(pending)
        return pending
    }

    /// A file in `output`'s folder for an output whose name is known only once it is written (a download's file
    /// is named after the orders inside): write it, then ``createOutput(_:name:from:)`` makes it the output, so
    /// the orders need not wait in memory for their name. Until then it is a temporary of this run, deleted if the
    /// run does not commit (and after a crash, by the stage's recovery).
    public func scratchFile(for output: String) throws -> URL {
        let folder = try folder(of: output)
        return state.addScratch { number in folder.appendingFile(".ferry-\(runID)-scratch-\(number).tmp") }
    }

    /// Reserves `name` in `output` for the file written at `scratch` (from ``scratchFile(for:)``) and moves it there.
    /// - Throws: a configuration error when the stage declares no such output; an operational one when the move fails.
    public func createOutput(_ output: String, name: String, from scratch: URL) throws -> PendingOutput {
        let pending = try createOutput(output, name: name)
        guard rename(scratch.path, pending.path) == 0 else {
            throw PipelineError(.operational, "cannot move \(scratch.path) to \(pending.path): \(String(cString: strerror(errno)))")
        }
        state.removeScratch(scratch)
        // The file is finished: its pages start for the disk now, while the task goes on, rather than all at the
        // commit's fsync (#18: a 20,000-order download spent 0.8 s at its commit writing 40 files out one by one).
        Durable.startWriteback(file: pending.url)
        return pending
    }

    /// The folder of a declared output.
    private func folder(of output: String) throws -> URL {
        guard let folder = outputFolders[output] else {
            throw PipelineError(
                .configuration,
                "stage '\(environment.stageName)' has no output '\(output)': add \"\(output)\": \"<folder>\" to its "
                    + "\"outputs\" in config.json")
        }
        return folder
    }

    /// Registers work to run inside the state store transaction that commits this run's outputs, e.g. moving
    /// a download watermark: it then advances exactly when the output becomes durable, never before or after.
    public func onCommit(_ body: @escaping @Sendable (Database) throws -> Void) {
        state.appendCommitHook(body)
    }

    /// Adds to a named counter shown in `ferry status`, metrics and the `--once` summary
    /// (`orders.downloaded`, `orders.failed`, `skus.uploaded`, ...).
    public func count(_ name: String, by amount: Int = 1) {
        state.count(name, by: amount)
    }

    /// Reports progress inside long work (`what`: "orders", "SKUs"); shown on a terminal, throttled.
    public func progress(_ what: String, done: Int, total: Int?) {
        for observer in observers {
            observer.taskProgress(stage: environment.stageName, what: what, done: done, total: total)
        }
    }

    /// Tells the observers (the alert mail and webhook among them) of something an operator must act on before it
    /// stops the flow, such as a credential about to expire. Say what to do; call it sparingly (once a day, not
    /// once a run): every call is an alert.
    public func needsAttention(_ message: String) {
        for observer in observers { observer.needsAttention(stage: environment.stageName, message: message) }
    }

    /// The outputs reserved so far, in order.
    public var pendingOutputs: [PendingOutput] { state.outputs }
    /// The commit hooks registered so far.
    public var commitHooks: [@Sendable (Database) throws -> Void] { state.hooks }
    /// The counters reported so far.
    public var counters: [String: Int] { state.counters }
    /// Scratch files not yet made outputs.
    public var scratchFiles: [URL] { state.scratch }
}

/// The context's mutable part, behind a mutex: tasks may reserve outputs from several child tasks.
private final class LockedState: Sendable {
    private struct Values {
        var outputs: [PendingOutput] = []
        var hooks: [@Sendable (Database) throws -> Void] = []
        var counters: [String: Int] = [:]
        var scratch: [URL] = []
        var scratchCount = 0
    }
    private let values = Mutex(Values())

    func append(_ output: PendingOutput) { values.withLock { $0.outputs.append(output) } }
    func appendCommitHook(_ hook: @escaping @Sendable (Database) throws -> Void) {
        values.withLock { $0.hooks.append(hook) }
    }
    func count(_ name: String, by amount: Int) { values.withLock { $0.counters[name, default: 0] += amount } }
    /// Registers the scratch file `name` makes of the next number.
    func addScratch(_ name: (Int) -> URL) -> URL {
        values.withLock {
            let url = name($0.scratchCount)
            $0.scratch.append(url)
            $0.scratchCount += 1
            return url
        }
    }
    func removeScratch(_ url: URL) { values.withLock { $0.scratch.removeAll { $0 == url } } }
    var scratch: [URL] { values.withLock { $0.scratch } }
    var outputs: [PendingOutput] { values.withLock { $0.outputs } }
    var hooks: [@Sendable (Database) throws -> Void] { values.withLock { $0.hooks } }
    var counters: [String: Int] { values.withLock { $0.counters } }
}
