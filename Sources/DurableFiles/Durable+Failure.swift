public import SystemPackage

extension Durable {
    /// A failed system call: names the call, the path and errno, and what to do for the usual causes.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        /// The C function that failed (`open`, `fsync`, `rename`, ...).
        public let call: String
        /// The file or folder it acted on.
        public let path: String
        /// Why it failed.
        public let errno: Errno

        /// A failure of `call` on `path`.
        public init(call: String, path: String, errno: Errno) {
            self.call = call
            self.path = path
            self.errno = errno
        }

        /// `call path: reason (what to do)`.
        public var description: String {
            let hint: String =
                switch errno {
                case .noSpace: " (disk full: free space; ferry resumes by itself)"
                case .permissionDenied, .notPermitted:
                    " (permission denied: let ferry's user write there; ReadWritePaths= under systemd)"
                case .readOnlyFileSystem: " (read-only filesystem)"
                default: ""
                }
            return "\(call) \(path): \(errno)\(hint)"
        }
    }
}
