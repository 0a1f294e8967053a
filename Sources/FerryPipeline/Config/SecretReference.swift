public import Foundation

/// Where a secret (a Magento token, an SMTP password) comes from: never the config file itself.
///
/// In config.json a secret is a string of one of these forms:
/// - `"${NAME}"`: the environment variable NAME;
/// - `"credential:NAME"`: the file NAME in `$CREDENTIALS_DIRECTORY` (systemd `LoadCredential=`);
/// - `"file:/path"`: the first line of that file.
/// A literal value is accepted for trying things out, but ``isLiteral`` lets `check-config` warn about it.
public struct SecretReference: Sendable, Decodable, CustomStringConvertible {
    /// The reference as written in the config (safe to show: it names where the secret is, not the secret).
    public let reference: String

    /// Creates a reference from its config text.
    public init(_ reference: String) {
        self.reference = reference
    }

    public init(from decoder: any Decoder) throws {
        reference = try decoder.singleValueContainer().decode(String.self)
    }

    /// True when the config holds the secret itself rather than a reference to it.
    public var isLiteral: Bool {
        !(reference.hasPrefix("${") && reference.hasSuffix("}")) && !reference.hasPrefix("credential:")
            && !reference.hasPrefix("file:")
    }

    /// Reads the secret.
    /// - Throws: ``PipelineError`` naming the variable or file (never the secret) and what to do.
    public func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        if reference.hasPrefix("${"), reference.hasSuffix("}") {
            let name = String(reference.dropFirst(2).dropLast())
            guard let value = environment[name], !value.isEmpty else {
                throw PipelineError(.configuration, "the environment variable \(name) is not set: export it, or put it in the service's EnvironmentFile")
            }
            Redaction.register(value)
            return value
        }
        guard let path = try file(environment: environment) else {
            Redaction.register(reference)
            return reference
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw PipelineError(.configuration, "cannot read the secret file \(path): check that it exists and ferry may read it")
        }
        let secret = text.split(whereSeparator: \.isNewline).first.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
        Redaction.register(secret)
        return secret
    }

    /// The file a `credential:NAME` or `file:/path` reference names, without reading it; nil for the other forms.
    ///
    /// `credential:NAME` is `$CREDENTIALS_DIRECTORY/NAME`, the name given to systemd's `LoadCredential=NAME:...`.
    /// - Throws: ``PipelineError`` when `CREDENTIALS_DIRECTORY` is not set (not running under systemd).
    public func file(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String? {
        if reference.hasPrefix("credential:") {
            guard let directory = environment["CREDENTIALS_DIRECTORY"] else {
                throw PipelineError(.configuration, "\(reference): CREDENTIALS_DIRECTORY is not set; run under systemd with LoadCredential=, or use \"${VAR}\" or \"file:/path\"")
            }
            return directory + "/" + reference.dropFirst("credential:".count)
        }
        if reference.hasPrefix("file:") { return String(reference.dropFirst("file:".count)) }
        return nil
    }

    /// Where the secret will come from, for `ferry check-config`; never reads it.
    public var source: String {
        if reference.hasPrefix("${"), reference.hasSuffix("}") { return "the environment variable \(reference.dropFirst(2).dropLast())" }
        if reference.hasPrefix("credential:") { return "the systemd credential \(reference.dropFirst("credential:".count)) ($CREDENTIALS_DIRECTORY)" }
        if reference.hasPrefix("file:") { return "the file \(reference.dropFirst("file:".count))" }
        return "the config file itself (a literal)"
    }

    /// Never the secret: only where it comes from.
    public var description: String { isLiteral ? "(literal secret)" : reference }
}
