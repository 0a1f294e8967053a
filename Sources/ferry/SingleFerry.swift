import ArgumentParser
import FerryPipeline
import Foundation

/// One ferry per folder tree (docs/operations.md): the commands that write take the ``InstanceLock`` first.
enum SingleFerry {
    /// Takes the lock for the process's life, or exits 75 (EX_TEMPFAIL) saying who holds it.
    static func lock(_ config: FerryConfig, command: String) throws -> InstanceLock {
        switch try operational({ try InstanceLock.acquire(stateFolder: stateFolder(config), command: command) }) {
        case .acquired(let lock): return lock
        case .busy(let holder):
            FileHandleOutput.error("\(holder); stop it first, or let it do the work")
            throw ExitCode(75)
        }
    }

    /// Takes the lock, or, when a `ferry watch` holds it, asks that daemon to do `request` through its control
    /// socket, prints its outcome and ends with its exit status. Returns nil when the work was done that way.
    ///
    /// A holder that is not a daemon (another `ferry run`) has no socket: exit 75 saying who it is.
    static func lockOrDelegate(_ config: FerryConfig, request: ControlRequest) async throws -> InstanceLock? {
        let folder = stateFolder(config)
        switch try operational({ try InstanceLock.acquire(stateFolder: folder, command: request.command) }) {
        case .acquired(let lock): return lock
        case .busy(let holder):
            let response = try await offload { try ControlSocket.send(request, stateFolder: folder) }
            guard let response else {
                FileHandleOutput.error("\(holder); it takes no requests (it is not `ferry watch`): try again when it has finished")
                throw ExitCode(75)
            }
            FileHandleOutput.error("\(holder): it did the work")
            for line in response.lines { print(Redaction.scrub(line)) }
            if response.exitCode != 0 { throw ExitCode(response.exitCode) }
            return nil
        }
    }

    private static func stateFolder(_ config: FerryConfig) -> URL { config.stateStore.deletingLastPathComponent() }
}
