import FileWatching
import ServiceLifecycle

/// Feeds the folder watcher's events to the stage watching each folder. A graceful shutdown stops the watcher:
/// the events already read are still handed over, then the pump ends.
struct EventPumpService: Service {
    let watcher: FolderWatcher
    let runnerByFolder: [String: FileStageRunner]

    func run() async {
        // Stopped on cancellation too: the watches and timers must not outlive the pipeline.
        defer { watcher.stop() }
        await withGracefulShutdownHandler {
            for await event in watcher.events {
                await runnerByFolder[event.folder]?.handle(event)
            }
        } onGracefulShutdown: { [watcher] in
            watcher.stop()
        }
    }
}
