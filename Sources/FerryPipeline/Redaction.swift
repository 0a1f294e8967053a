import Foundation
import Synchronization

/// Keeps secrets out of everything ferry writes: every resolved secret is registered here, and log lines,
/// error texts, reason files and status output pass through ``scrub(_:)``.
///
/// The connectors already never put a token in a message; this is the second line of defence.
public enum Redaction {
    private static let secrets = Mutex<Set<String>>([])

    /// Remembers a secret value so it is masked wherever it might appear.
    public static func register(_ secret: String) {
        // Very short values would mask ordinary words; real tokens are long.
        guard secret.count >= 6 else { return }
        secrets.withLock { _ = $0.insert(secret) }
    }

    /// `text` with every registered secret replaced by `***`.
    public static func scrub(_ text: String) -> String {
        let known = secrets.withLock { $0 }
        guard !known.isEmpty else { return text }
        var result = text
        for secret in known where result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: "***")
        }
        return result
    }

    /// The error's description, scrubbed.
    public static func message(of error: any Error) -> String {
        scrub(String(describing: error))
    }
}
