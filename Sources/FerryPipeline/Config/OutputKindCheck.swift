import Foundation

extension ConfigLoader {
    /// One folder, one kind of file: two stages whose outputs put different kinds of file into one folder (Sage
    /// orders and stock levels in the Sage outbox, say) are refused, naming both stages and the folder. Whatever
    /// reads that folder (Sage's import, the next stage) expects one kind and would refuse or misread the other.
    ///
    /// The kind of an output is what its task declares (``TaskKind/produces``), else `<task>.<output>`.
    static func checkOutputKinds(_ stages: [StageConfig], registry: TaskRegistry) -> [ConfigProblem] {
        var problems: [ConfigProblem] = []
        var writers: [String: (stage: StageConfig, key: String, kind: String)] = [:]
        for stage in stages {
            for (key, folder) in stage.outputs.sorted(by: { $0.key < $1.key }) {
                let kind = registry.kinds[stage.task]?.produces[key] ?? "\(stage.task).\(key)"
                let path = folder.standardizedFileURL.path
                guard let first = writers[path] else {
                    writers[path] = (stage, key, kind)
                    continue
                }
                guard first.kind != kind else { continue }
                problems.append(ConfigProblem(
                    "\(stage.path).outputs.\(key)",
                    "stage '\(stage.name)' would put \(kind) files into \(path), where stage '\(first.stage.name)' "
                        + "(outputs.\(first.key)) puts \(first.kind) files: one folder must hold one kind of file; "
                        + "give one of these outputs its own folder"))
            }
        }
        return problems
    }
}
