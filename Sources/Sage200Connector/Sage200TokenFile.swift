import DurableFiles
public import Foundation
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// The Sage ID tokens ferry keeps between runs.
public struct Sage200Tokens: Sendable, Codable, Equatable {
    /// The refresh token: rotated on every refresh, the old one dies at once.
    public var refreshToken: String
    /// The current access token (may be expired).
    public var accessToken: String
    /// When ``accessToken`` expires.
    public var accessExpiresAt: Date
    /// When the operator authorized ferry; the refresh token chain dies `refreshTokenDays` after it.
    public var authorizedAt: Date

    /// Creates tokens.
    public init(refreshToken: String, accessToken: String, accessExpiresAt: Date, authorizedAt: Date) {
        self.refreshToken = refreshToken
        self.accessToken = accessToken
        self.accessExpiresAt = accessExpiresAt
        self.authorizedAt = authorizedAt
    }
}

/// The token file in the state folder: JSON, mode 0600, replaced atomically (temporary file, fsync, rename, fsync
/// of the folder), so a crash leaves either the old or the new refresh token, never half of one or none.
public struct Sage200TokenFile: Sendable {
    /// The file's path.
    public let url: URL

    /// A token file at `url`.
    public init(url: URL) { self.url = url }

    /// The stored tokens, or nil when ferry was never authorized.
    /// - Throws: ``Sage200Error`` (configuration) when the file exists but cannot be read.
    public func load() throws -> Sage200Tokens? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let tokens = try decoder.decode(Sage200Tokens.self, from: Data(contentsOf: url))
            return tokens
        } catch {
            throw Sage200Error(
                code: .configuration,
                message: "the token file \(url.path) cannot be read (\(type(of: error))): delete it and run `ferry sage200 authorize`")
        }
    }

    /// Stores `tokens` durably; blocking (fsync), so call it off the cooperative pool.
    /// - Throws: ``Sage200Error`` naming the file when it cannot be written.
    public func save(_ tokens: Sage200Tokens) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(tokens)
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        do {
            // 0600 from the start: the secret is never readable by others, not even for an instant.
            try Durable.write(data, to: url, permissions: .ownerReadWrite)
        } catch {
            throw Sage200Error(
                code: .configuration,
                message: "cannot write the token file \(url.path) (\(error)): check the state folder exists and ferry may write it")
        }
    }
}

/// An exclusive `flock` on `<token file>.lock`, held while a process refreshes: refresh tokens rotate, so two
/// processes refreshing the same chain at once would leave one of them with a dead token. The lock file is
/// separate from the token file because the token file is replaced by rename (a lock on it would lock the old inode).
public struct Sage200TokenLock: Sendable {
    private let descriptor: Int32

    /// Waits for the lock beside `file`; blocking (flock), so call it off the cooperative pool.
    /// - Throws: ``Sage200Error`` (configuration) naming the lock file when it cannot be opened.
    public static func acquire(beside file: Sage200TokenFile) throws -> Sage200TokenLock {
        let path = file.url.path + ".lock"
        try? FileManager.default.createDirectory(at: file.url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw Sage200Error(
                code: .configuration,
                message: "cannot open the token lock file \(path) (errno \(errno)): check ferry may write the state folder")
        }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                close(fd)
                throw Sage200Error(code: .configuration, message: "cannot lock \(path) (errno \(errno))")
            }
        }
        return Sage200TokenLock(descriptor: fd)
    }

    /// Releases the lock (closing the descriptor drops it).
    public func release() { close(descriptor) }
}
