import ArgumentParser
import FerryPipeline

/// The `ferry` command: a thin front over the FerryPipeline engine and the connectors.
@main
struct Ferry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "File-drop integration between Magento 2 / Adobe Commerce and Sage 50 / Sage 200.",
        version: FerryVersion.current,
        subcommands: [
            WatchCommand.self, RunCommand.self, DownloadCommand.self, StatusCommand.self, CheckConfigCommand.self,
            RetryCommand.self, LedgerCommand.self, DemoCommand.self, SandboxCommand.self, SageSimCommand.self,
            Sage200Command.self, Sage200SandboxCommand.self,
        ])
}
