public import FerryState

/// The tasks ferry knows, by config name.
public struct TaskRegistry: Sendable {
    /// The kinds by name.
    public let kinds: [String: TaskKind]

    /// Creates a registry; a later kind with the same name replaces an earlier one.
    public init(_ kinds: [TaskKind]) {
        self.kinds = Dictionary(kinds.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
    }

    /// Every kind's state migrations, for opening the state store.
    public var migrations: [StateMigration] { kinds.values.sorted { $0.name < $1.name }.flatMap(\.migrations) }
}
