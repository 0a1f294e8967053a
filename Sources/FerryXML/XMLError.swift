import Foundation

/// A document ferry cannot read: malformed, hostile (external entities, entity bombs) or of the wrong shape.
///
/// Always a problem of the input, never worth a retry: the engine quarantines the file with this text beside it.
public struct XMLError: Error, CustomStringConvertible, Sendable {
    /// The file, as given to the reader.
    public let file: String
    /// 1-based line, 0 when unknown.
    public let line: Int
    /// 1-based column, 0 when unknown.
    public let column: Int
    /// What is wrong, in libxml2's words or ours.
    public let message: String

    /// Creates an error.
    public init(file: String, line: Int = 0, column: Int = 0, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        var place = file
        if line > 0 { place += ":\(line)" }
        if column > 0 { place += ":\(column)" }
        return "\(place): \(message)"
    }
}

/// An output document could not be written (disk full, folder removed, permission): a problem of the place,
/// not of the input, so the engine retries it with backoff instead of quarantining the input.
public struct XMLWriteError: Error, CustomStringConvertible, Sendable {
    /// The file being written.
    public let file: String
    /// What failed, with the system's reason when there is one.
    public let message: String

    /// Creates an error, adding the current `errno`'s text when it is set.
    public init(file: String, message: String, errno code: Int32 = 0) {
        self.file = file
        self.message = code == 0 ? message : "\(message): \(String(cString: strerror(code)))"
    }

    public var description: String { "\(file): \(message)" }
}
