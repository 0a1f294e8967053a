/// Something happened in a watched folder. Events are hints: the engine always confirms with `lstat`
/// and rescans whenever events may have been lost.
public struct FolderEvent: Sendable, Equatable {
    /// What the hint says.
    public enum Kind: Sendable, Equatable {
        /// A file was renamed into the folder (IN_MOVED_TO): complete by the rename convention.
        case movedIn
        /// A writer closed the file (IN_CLOSE_WRITE): complete once it stays unchanged for the settle time.
        case closedAfterWrite
        /// A name appeared (IN_CREATE): a hard link, or a file still being written.
        case created
        /// Events may have been lost (queue overflow, the folder re-armed, a poll tick, start-up): list it again.
        case rescan
    }

    /// The folder, as configured (absolute path).
    public let folder: String
    /// The entry's name, nil for ``Kind/rescan``.
    public let name: String?
    /// The kind of hint.
    public let kind: Kind

    /// Creates an event.
    public init(folder: String, name: String?, kind: Kind) {
        self.folder = folder
        self.name = name
        self.kind = kind
    }
}

/// How a folder is watched.
public enum WatchMode: Sendable, Equatable, CustomStringConvertible {
    /// inotify events (local filesystems).
    case inotify
    /// Listing every interval (network shares: CIFS/NFS deliver no inotify events for remote writes).
    case poll(intervalMilliseconds: Int)

    public var description: String {
        switch self {
        case .inotify: "inotify"
        case .poll(let interval): "poll every \(interval) ms"
        }
    }
}
