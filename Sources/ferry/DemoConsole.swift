import ArgumentParser
import FerryConsole
import FerryDemo
import FerryPipeline
import FerryValues
import Foundation
import Logging
import ServiceLifecycle

/// `ferry demo`'s operator console: on unless `--no-console`, since a new user's first run should show what
/// ferry does; at `--console HOST:PORT`, else config.json's `console` section, else 127.0.0.1:8484. `--once`
/// serves none. A port already taken is logged and the demo goes on without the console (``ConsoleService/run()``).
struct DemoConsoleOptions: ParsableArguments {
    @Option(name: .customLong("console"), help: "Serve the operator console on HOST:PORT (default: config.json's console.listen, else 127.0.0.1:8484).")
    var listen: String?

    @Flag(name: .customLong("no-console"), help: "Do not serve the operator console.")
    var off = false

    func validate() throws {
        if off && listen != nil { throw ValidationError("--console and --no-console exclude each other: give one") }
    }

    /// The services `ferry demo` runs beside its watch: the console as `ferry watch` makes it (``ConsoleHook``)
    /// and the line that prints its address; none with `--no-console`.
    /// - Throws: `ValidationError` naming the problem of the console's address or section.
    func services(config: FerryConfig, observers: LiveObservers, logger: Logger) throws -> DemoWorkflow.ExtraServices {
        guard !off else { return { _ in [] } }
        var config = config
        // An empty section listens on ConsoleSettings' default address; the config's user and password stay.
        guard case .object(var section) = config.sections["console"] ?? .object([:]) else {
            throw ValidationError("console in \(config.file.path) must be an object like {\"listen\": \"127.0.0.1:8484\"}")
        }
        if let listen { section["listen"] = .string(listen) }
        config.sections["console"] = .object(section)
        if let problem = ConsoleSettings.problems(in: config).first(where: { !$0.isWarning }) {
            throw ValidationError("\(problem) (the demo's console: --console HOST:PORT, or --no-console)")
        }
        return { [config] watch in
            let console = try ConsoleHook.service(config: config, watch: watch, observers: observers, logger: logger)
            return [console, ConsoleAddressService(reloader: console)]
        }
    }
}

/// Prints the console's address on stdout once it listens, for the person who just typed `ferry demo`; a console
/// that cannot listen has logged why.
struct ConsoleAddressService: Service {
    let reloader: ConsoleReloader

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            // The reloader makes its console when its own service starts, a moment after this one.
            if let console = await reloader.consoles.first(where: { $0 != nil }) ?? nil {
                for await port in console.listening {
                    if let port { print("The operator console: \(console.url(port: port)) (Ctrl-C stops the demo)") }
                    break
                }
            }
            // A service that returns ends the group: this one waits for the shutdown like the others.
            try await gracefulShutdown()
        }
    }
}
