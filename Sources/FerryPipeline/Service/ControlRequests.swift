import FileWatching
import Foundation
import Synchronization

extension Pipeline {
    /// Does what a second `ferry run`, `download` or `retry` asked through the ``ControlSocket``, inside this
    /// watching process, and says what its own command would have printed.
    public func answer(_ request: ControlRequest) async -> ControlResponse {
        // A request that arrives during start-up waits for recovery to finish and the stages to run.
        while !watching.withLock({ $0 }) {
            if isStopped { return ControlResponse(lines: ["error: the running ferry is stopping; run the command again"], exitCode: 75) }
            try? await Task.sleep(for: .milliseconds(20))
        }
        switch request.command {
        case "run":
            let report = await drainWhileWatching(stages: request.stages.isEmpty ? nil : Set(request.stages))
            return ControlResponse(lines: [report.summary], exitCode: report.leftForLater > 0 ? 75 : 0)
        case "download":
            let names = request.stages.isEmpty ? stageNames.filter(\.scheduled).map(\.name) : request.stages
            var lines: [String] = []
            for name in names {
                do {
                    let counters = try await runScheduled(stage: name)
                    lines.append("\(name): " + (counters.isEmpty ? "nothing new" : counters.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
                } catch {
                    return ControlResponse(lines: lines + ["error: \(Redaction.message(of: error))"], exitCode: 1)
                }
            }
            return ControlResponse(lines: lines)
        case "retry":
            var lines: [String] = []
            for file in request.files {
                do {
                    lines.append("\(file) -> \(try retry(URL(fileURLWithPath: file)).path)")
                } catch {
                    return ControlResponse(lines: lines + ["error: \(Redaction.message(of: error))"], exitCode: 1)
                }
            }
            return ControlResponse(lines: lines)
        default:
            return ControlResponse(lines: ["error: the running ferry does not know the command '\(request.command)'"], exitCode: 1)
        }
    }

    /// `ferry run` inside the daemon: rescans the chosen stages' folders until two scans in a row find them idle
    /// (nothing settling, claimed or running; a file waiting for a retry is left to the daemon and reported as
    /// left for later), then reports what the journal recorded meanwhile, including a file already in hand.
    func drainWhileWatching(stages: Set<String>?) async -> DrainReport {
        let started = Date().timeIntervalSince1970
        let chosen = fileRunners.filter { runner in stages?.contains(runner.stage.name) ?? true }
        var quietRounds = 0
        while !isStopped, quietRounds < 2 {
            for runner in chosen {
                await runner.handle(FolderEvent(folder: runner.folder.standardizedFileURL.path, name: nil, kind: .rescan))
            }
            var idle = true
            for runner in chosen where !(await runner.isIdle(includingRetries: false)) { idle = false }
            quietRounds = idle ? quietRounds + 1 : 0
            try? await Task.sleep(for: .milliseconds(idle ? 50 : 20))
        }
        return await report(stages: chosen.map(\.stage.name), since: started)
    }
}
